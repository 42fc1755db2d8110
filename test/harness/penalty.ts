import { type RequestRecord } from '../../src/sandbox/dynamics';

/** A request the client sent before it read the 429 may reach the server just after the answer left. */
const GRACE_MS = 50;

/**
 * Requests that reached the D365 simulator while the client that sent them (told apart by its token) had been told
 * to wait: after a 429 answer left, before its `Retry-After` had passed.
 */
export function sentDuringPenalty(records: RequestRecord[]): RequestRecord[] {
  const penalties = records.filter((r) => r.status === 429 && r.retryAfterSeconds !== undefined);
  return records.filter((request) =>
    penalties.some(
      (p) =>
        p.tokenSerial === request.tokenSerial &&
        (request.arrivedAt ?? 0) > (p.answeredAt ?? 0) + GRACE_MS &&
        (request.arrivedAt ?? 0) < (p.answeredAt ?? 0) + (p.retryAfterSeconds ?? 0) * 1000
    )
  );
}

/** The most Web API requests the simulator was handling at once (from arrival to answer). */
export function peakInFlight(records: RequestRecord[]): number {
  const edges = records
    .filter((r) => r.url.includes('/api/data/') && r.arrivedAt !== undefined && r.answeredAt !== undefined)
    .flatMap((r) => [
      { at: r.arrivedAt as number, step: 1 },
      { at: r.answeredAt as number, step: -1 },
    ])
    // An answer at the same moment as an arrival ends first.
    .sort((a, b) => a.at - b.at || a.step - b.step);
  let current = 0;
  let peak = 0;
  for (const edge of edges) {
    current += edge.step;
    peak = Math.max(peak, current);
  }
  return peak;
}
