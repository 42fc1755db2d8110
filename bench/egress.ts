import { writeCeilingPerSecond, DynamicsCost } from '../src/sandbox/dynamics';
import { describeShare, egressCeiling } from './lib/ceiling';
import { measureEgress, type EgressRun } from './lib/egress-run';
import { formatNumber, goal, type Results } from './lib/results';
import { benchCost } from './lib/stack';
import { scaledDynamics } from './lib/time-scale';

/** D365 latency of the second round: a network round trip to a cloud API; the simulator adds no server time to it. */
const LATENCY_MS = 20;
/** With the cost model on: production-like D365 and Dataverse's limits, 10 times faster (bench/lib/time-scale.ts). */
const TIME_SCALE = 10;

/**
 * Benchmark 4: event files → D365 activities through the real worker, with `$batch` (the product default of 200
 * operations per request), and beside it the same flow with one operation per request on a tenth of the events. Two
 * rounds: the D365 simulator answering at once (the CPU of the two sides is the limit), then {@link LATENCY_MS} added
 * to every answer (the round trips are the limit, as against Dataverse).
 */
export async function egressBenchmark(results: Results, events: number): Promise<void> {
  if (benchCost().dynamics.cost) return withCostModel(results, events);
  for (const latencyMs of [0, LATENCY_MS]) {
    const round = `latency ${latencyMs} ms`;
    const batched = await measureEgress({ events, batchSize: 200, latencyMs });
    report(results, `batch 200, ${round}`, batched);
    const single = await measureEgress({ events: Math.max(1000, Math.round(events / 10)), batchSize: 1, latencyMs });
    report(results, `single requests (batch 1), ${round}`, single);
    const speedup = batched.events / batched.seconds / (single.events / single.seconds);
    results.add(
      `events/s, $batch vs single requests, ${round}`,
      `${formatNumber(speedup, 1)}×`,
      goal('goal >= 10×', speedup >= 10)
    );
  }
  results.note(
    'Single requests: egress.batchSize 1, so each operation travels alone ($batch of one), on a tenth of the events ' +
      '(at least 1,000); every event is a create-only PATCH and a PATCH to Completed, plus a follow-up task for none. ' +
      'Latency: the D365 simulator waits that long before each answer. Either way a slice keeps up to 8 requests in flight.'
  );
}

function report(results: Results, label: string, run: EgressRun): void {
  results.add(
    `${label}: ${formatNumber(run.events)} events`,
    `${formatNumber(run.seconds, 1)} s = ${formatNumber(run.events / run.seconds)} events/s ` +
      `(created ${run.counts.created}, rejected ${run.counts.rejected}, activities in D365 ${run.activitiesInD365})`
  );
  results.add(`${label}: D365 requests per event`, formatNumber(run.requests / run.events, 3));
  results.add(`${label}: worker peak RSS (VmHWM)`, `${formatNumber(run.peakMiB, 1)} MiB`);
  results.add(
    `${label}: pass history`,
    `${run.passHistory.events} events, ${formatNumber(run.passHistory.payloadBytes)} B payloads ` +
      `(${formatNumber((run.passHistory.events * 100_000) / run.events, 1)} events per 100,000 events)`
  );
}

/**
 * With the cost model on, Dataverse's limits set the pace of both: `$batch` requests of 200 (10 s of server time
 * each) by the execution-time limit, single requests by the request count, so the most `$batch` can gain is the ratio
 * of the two write ceilings (`writeCeilingPerSecond`, docs/cost-model.md): 79.9 / 20 = 4.0×, not 10×. One round,
 * production-like cost and Dataverse's limits {@link TIME_SCALE} times faster; each run is reported as a share of the
 * least time the limits allow its work (bench/lib/ceiling.ts), and the speedup beside the ratio of the ceilings.
 */
async function withCostModel(results: Results, events: number): Promise<void> {
  const scaled = scaledDynamics(TIME_SCALE);
  const cost = new DynamicsCost(scaled.cost);
  const rates: number[] = [];
  for (const [label, batchSize, count] of [
    ['batch 200', 200, events],
    ['single requests (batch 1)', 1, Math.max(1000, Math.round(events / 3))],
  ] as const) {
    const run = await measureEgress({ events: count, batchSize, limits: scaled.limits, cost: scaled.cost });
    report(results, `${label}, cost model on (×${TIME_SCALE})`, run);
    const ceiling = egressCeiling(run, scaled.cost, scaled.limits);
    const { label: shareLabel, share } = describeShare(ceiling, run.busySeconds, scaled.limits.windowSeconds);
    results.add(`${label}: share of the ceiling (${shareLabel})`, `${formatNumber(share * 100, 1)} %`);
    results.add(
      `${label}: requests sent during a penalty; 429s`,
      `${run.sentDuringPenalty}; ${formatNumber(run.throttled)}`,
      goal('goal 0 sent during a penalty', run.sentDuringPenalty === 0)
    );
    rates.push(run.events / run.busySeconds);
  }
  const [batched, single] = rates as [number, number];
  const ceilings = [200, 1].map((n) => writeCeilingPerSecond(cost, scaled.limits, { operationsPerRequest: n }));
  const [batchCeiling, singleCeiling] = ceilings as [number, number];
  results.add(
    `events/s, $batch vs single requests, cost model on (the limits allow at most ` +
      `${formatNumber(batchCeiling / TIME_SCALE, 1)} / ${formatNumber(singleCeiling / TIME_SCALE, 1)} operations/s = ` +
      `${formatNumber(batchCeiling / singleCeiling, 1)}×)`,
    `${formatNumber(batched / single, 1)}× (${formatNumber(batched / TIME_SCALE, 1)} vs ${formatNumber(single / TIME_SCALE, 1)} events/s in production time)`
  );
  results.note(
    `cost model on, ${TIME_SCALE} times faster (scaledDynamics): D365 cost ${JSON.stringify(scaled.cost)}; limits ` +
      `${scaled.limits.requests} requests and ${scaled.limits.executionTimeMs / 1000} s of execution time per ` +
      `${scaled.limits.windowSeconds} s, ${scaled.limits.concurrent} at once. Share = max(S / E × W, R / L × W, ` +
      "(S + R × latency) / C) over the time from the pass start to D365's last answer (bench/lib/ceiling.ts); " +
      'Retry-After stays in whole seconds, so a penalty can cost these runs up to 10 times more than production: shares ' +
      'err low. Single requests: egress.batchSize 1, on a third of the events (at least 1,000), so that it lasts several windows.'
  );
}
