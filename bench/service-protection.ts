import { egressCeiling, describeShare } from './lib/ceiling';
import { measureEgress, type EgressRun } from './lib/egress-run';
import { formatNumber, goal, type Results } from './lib/results';
import { benchCost } from './lib/stack';
import { scaledDynamics } from './lib/time-scale';

const LIMITS = { requests: 600, windowSeconds: 30 };
const BATCH_SIZE = 20;
/** With the cost model on: production-like D365 and Dataverse's limits, 10 times faster (bench/lib/time-scale.ts). */
const TIME_SCALE = 10;

/**
 * Benchmark 3: the egress flow against a D365 whose request limit is scaled down to 600 requests per 30 s, with
 * small batches so that the client wants more than the budget. Under a sliding window of L requests per W seconds,
 * R requests cannot end before ⌊(R − 1) / L⌋ × W (the k-th block of L cannot start before (k − 1) × W): the share of
 * the budget used is that bound over the time the run took (100 % = the client sent as fast as the limit allows).
 *
 * With the cost model on, each operation costs server time and a `$batch` of 20 costs ~1 s of it: Dataverse's
 * execution-time limit, not the request count, then sets the pace. The run then uses all of Dataverse's limits and the
 * production-like cost, {@link TIME_SCALE} times faster, and reports its share of the least time those limits allow
 * (`egressCeiling`: the largest of the execution-time, request and concurrency bounds).
 */
export async function serviceProtectionBenchmark(results: Results, events: number): Promise<void> {
  if (benchCost().dynamics.cost) return withCostModel(results, events);
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
  addFailed(results, run);
  results.add('events/s under the limit', formatNumber(run.events / run.seconds, 1));
}

async function withCostModel(results: Results, events: number): Promise<void> {
  const scaled = scaledDynamics(TIME_SCALE);
  const { limits } = scaled;
  const run = await measureEgress({ events, batchSize: BATCH_SIZE, limits, cost: scaled.cost });
  const ceiling = egressCeiling(run, scaled.cost, limits);
  const { label, share } = describeShare(ceiling, run.busySeconds, limits.windowSeconds);
  results.add(
    `${formatNumber(events)} events, batch ${BATCH_SIZE}, cost model on (×${TIME_SCALE})`,
    `${formatNumber(run.busySeconds, 1)} s; ${formatNumber(run.requests - run.throttled)} requests admitted, ` +
      `${formatNumber(run.throttled)} answered 429; ${formatNumber(ceiling.serverSeconds, 1)} s of server time`
  );
  results.add(
    `share of the ceiling (${label})`,
    `${formatNumber(share * 100, 1)} %`,
    goal('goal >= 90 %', share >= 0.9)
  );
  results.add(
    'requests sent during a penalty',
    String(run.sentDuringPenalty),
    goal('goal 0', run.sentDuringPenalty === 0)
  );
  addFailed(results, run);
  results.add(
    'events/s under the limits, in production time',
    formatNumber(run.events / run.busySeconds / TIME_SCALE, 1)
  );
  results.note(
    `cost model on, ${TIME_SCALE} times faster (scaledDynamics): D365 cost ${JSON.stringify(scaled.cost)}; limits ` +
      `${limits.requests} requests and ${limits.executionTimeMs / 1000} s of execution time per ${limits.windowSeconds} s, ` +
      `${limits.concurrent} at once (Dataverse's, durations divided by ${TIME_SCALE}). Share = max(S / E × W, ` +
      'R / L × W, (S + R × latency) / C) over the time taken (bench/lib/ceiling.ts). Retry-After stays in whole ' +
      'seconds, so a penalty can cost this run up to 10 times more than production: the share errs low.'
  );
}

function addFailed(results: Results, run: EgressRun): void {
  const failed = run.counts.rejected + (run.events - run.counts.created - run.counts.duplicates);
  results.add(
    'records failed',
    `${failed} (created ${run.counts.created}, rejected ${run.counts.rejected}, activities in D365 ${run.activitiesInD365})`,
    goal('goal 0', failed === 0 && run.activitiesInD365 === run.events)
  );
}
