import { measureEgress } from './lib/egress-run';
import { formatNumber, goal, type Results } from './lib/results';

const LIMITS = { requests: 600, windowSeconds: 30 };
const BATCH_SIZE = 20;

/**
 * Benchmark 3: the egress flow against a D365 whose request limit is scaled down to 600 requests per 30 s, with
 * small batches so that the client wants more than the budget. Under a sliding window of L requests per W seconds,
 * R requests cannot end before ⌊(R − 1) / L⌋ × W (the k-th block of L cannot start before (k − 1) × W): the share of
 * the budget used is that bound over the time the run took (100 % = the client sent as fast as the limit allows).
 */
export async function serviceProtectionBenchmark(results: Results, events: number): Promise<void> {
  const run = await measureEgress({ events, batchSize: BATCH_SIZE, limits: LIMITS });
  const admitted = run.requests - run.throttled;
  const boundSeconds = Math.floor((admitted - 1) / LIMITS.requests) * LIMITS.windowSeconds;
  const share = boundSeconds / run.busySeconds;
  results.add(
    `${formatNumber(events)} events, batch ${BATCH_SIZE}, limit ${LIMITS.requests} requests / ${LIMITS.windowSeconds} s`,
    `${formatNumber(run.busySeconds, 1)} s; ${formatNumber(admitted)} requests admitted, ${formatNumber(run.throttled)} answered 429`
  );
  results.add(
    `share of the allowed budget used (limit's bound ${boundSeconds} s / ${formatNumber(run.busySeconds, 1)} s taken)`,
    `${formatNumber(share * 100, 1)} %`,
    goal('goal >= 90 %', share >= 0.9)
  );
  const failed = run.counts.rejected + (run.events - run.counts.created - run.counts.duplicates);
  results.add(
    'records failed',
    `${failed} (created ${run.counts.created}, rejected ${run.counts.rejected}, activities in D365 ${run.activitiesInD365})`,
    goal('goal 0', failed === 0 && run.activitiesInD365 === run.events)
  );
  results.add('events/s under the limit', formatNumber(run.events / run.seconds, 1));
}
