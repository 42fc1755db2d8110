import { type RequestRecord } from '../../src/sandbox/dynamics';

/** How the Web API requests of a run were spread over its time (from arrival to answer, latency included). */
export interface InFlightTimeline {
  /** Requests in flight on average over the span, and at most. */
  mean: number;
  peak: number;
  /** Seconds of the span during which no request was in flight, and the longest such gap. */
  idleSeconds: number;
  longestIdleSeconds: number;
  /** Of the idle seconds, those inside a `Retry-After` a 429 asked for (the client waiting out a penalty). */
  idleInPenaltySeconds: number;
}

/** The requests' timeline between `from` and `to` (ms, the simulator's clock); records outside it are ignored. */
export function inFlightTimeline(records: readonly RequestRecord[], from: number, to: number): InFlightTimeline {
  const edges = records
    .filter((r) => r.url.includes('/api/data/') && r.arrivedAt !== undefined && r.answeredAt !== undefined)
    .filter((r) => (r.answeredAt as number) >= from && (r.arrivedAt as number) <= to)
    .flatMap((r) => [
      { at: Math.max(from, r.arrivedAt as number), step: 1 },
      { at: Math.min(to, r.answeredAt as number), step: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.step - b.step);
  let current = 0;
  let peak = 0;
  let busyArea = 0;
  let idle = 0;
  let longestIdle = 0;
  let last = from;
  const idleSpans: [number, number][] = [];
  for (const edge of [...edges, { at: to, step: 0 }]) {
    const span = edge.at - last;
    busyArea += current * span;
    if (current === 0 && span > 0) {
      idle += span;
      longestIdle = Math.max(longestIdle, span);
      idleSpans.push([last, edge.at]);
    }
    current += edge.step;
    peak = Math.max(peak, current);
    last = edge.at;
  }
  const seconds = Math.max(to - from, 1);
  const penalties = records
    .filter((r) => r.status === 429 && r.retryAfterSeconds !== undefined && r.answeredAt !== undefined)
    .map((r) => [r.answeredAt as number, (r.answeredAt as number) + (r.retryAfterSeconds as number) * 1000]);
  const inPenalty = idleSpans.reduce((sum, [start, end]) => sum + covered(start, end, penalties), 0);
  return {
    mean: busyArea / seconds,
    peak,
    idleSeconds: idle / 1000,
    longestIdleSeconds: longestIdle / 1000,
    idleInPenaltySeconds: inPenalty / 1000,
  };
}

/** How much of [start, end) the union of the intervals covers. */
function covered(start: number, end: number, intervals: number[][]): number {
  let total = 0;
  let reached = start;
  for (const [from, to] of [...intervals].sort((a, b) => (a[0] as number) - (b[0] as number))) {
    const lo = Math.max(reached, from as number);
    const hi = Math.min(end, to as number);
    if (hi > lo) {
      total += hi - lo;
      reached = hi;
    }
  }
  return total;
}
