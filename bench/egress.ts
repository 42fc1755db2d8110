import { measureEgress, type EgressRun } from './lib/egress-run';
import { formatNumber, goal, type Results } from './lib/results';

/** D365 latency of the second round: a network round trip to a cloud API; the simulator adds no server time to it. */
const LATENCY_MS = 20;

/**
 * Benchmark 4: event files → D365 activities through the real worker, with `$batch` (the product default of 200
 * operations per request), and beside it the same flow with one operation per request on a tenth of the events. Two
 * rounds: the D365 simulator answering at once (the CPU of the two sides is the limit), then {@link LATENCY_MS} added
 * to every answer (the round trips are the limit, as against Dataverse).
 */
export async function egressBenchmark(results: Results, events: number): Promise<void> {
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
