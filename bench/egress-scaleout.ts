import { DynamicsCost, writeCeilingPerSecond } from '../src/sandbox/dynamics';
import { egressCeiling } from './lib/ceiling';
import { measureEgress } from './lib/egress-run';
import { formatNumber, goal, type Results } from './lib/results';
import { scaledDynamics } from './lib/time-scale';

/** Production-like D365 and Dataverse's limits, ten times faster. */
const SCALED = scaledDynamics(10);
/** The product's default `egress.batchSize`. */
const BATCH_SIZE = 200;
const WORKERS = 3;
/** More files than a pass applies at once (`egress.filesInParallel`, default 4), so that lanes take turns. */
const FILES = 8;
/** The kill lands a third of the way through. */
const KILL_AFTER_SHARE = 1 / 3;

/**
 * Egress across three worker processes of one application user, files applied several at once (the product default
 * of `egress.filesInParallel`), with D365 production-like and ten times faster (`scaledDynamics(10)`): once as is,
 * once with one worker SIGKILLed while it applies a slice (not restarted: the other two take its slices over after the
 * heartbeat timeout). Each as a share of the least time the limits allow; after the kill, every event must still be
 * exactly one activity in D365.
 */
export async function egressScaleOutBenchmark(results: Results, events: number): Promise<void> {
  const cost = new DynamicsCost(SCALED.cost);
  const limits = SCALED.limits;
  results.note(
    `D365 cost: production-like, ${SCALED.factor} times faster (${JSON.stringify(SCALED.cost)}); limits ` +
      `${limits.requests} requests, ${limits.executionTimeMs / 1000} s of execution time per ${limits.windowSeconds} s, ` +
      `${limits.concurrent} at once; batch ${BATCH_SIZE}: the write ceiling is ` +
      `${formatNumber(writeCeilingPerSecond(cost, limits, { operationsPerRequest: BATCH_SIZE }), 1)} operations/s. ` +
      `${WORKERS} worker processes, one application user, ${FILES} event files, egress.filesInParallel at its default.`
  );
  const runs: [string, { afterShare: number } | undefined][] = [
    [`${WORKERS} workers`, undefined],
    [`${WORKERS} workers, one SIGKILLed mid-run`, { afterShare: KILL_AFTER_SHARE }],
  ];
  for (const [label, kill] of runs) {
    const run = await measureEgress({
      events,
      eventsPerFile: Math.ceil(events / FILES),
      batchSize: BATCH_SIZE,
      limits,
      cost: SCALED.cost,
      workers: WORKERS,
      ...(kill ? { killOneWorker: kill } : {}),
    });
    const bound = egressCeiling(run, SCALED.cost, limits);
    const share = bound.seconds / run.busySeconds;
    results.add(
      `${label}: ${formatNumber(run.events)} events`,
      `${formatNumber(run.busySeconds, 1)} s = ${formatNumber(run.events / run.busySeconds, 1)} events/s; ` +
        `${formatNumber(run.requests - run.throttled)} requests admitted, ${formatNumber(run.throttled)} answered 429; ` +
        `${formatNumber(bound.serverSeconds, 1)} s of server time; slices per worker ${run.slicesByWorker.join(', ')}`
    );
    if (run.killed) {
      results.add(
        `${label}: the kill`,
        `worker ${run.killed.pid} SIGKILLed ${formatNumber(run.killed.atSeconds, 1)} s into the pass, holding ` +
          `${run.killed.slicesHeld} slice(s); ${formatNumber(run.counts.duplicates)} events written again by the ` +
          'retries (answered as duplicates)'
      );
    }
    results.add(
      `${label}: share of the ceiling (least time the limits allow ${formatNumber(bound.seconds, 1)} s / ` +
        `${formatNumber(run.busySeconds, 1)} s taken)`,
      `${formatNumber(share * 100, 1)} %`,
      kill ? undefined : goal('goal >= 85 %', share >= 0.85)
    );
    results.add(
      `${label}: requests sent during a penalty`,
      String(run.sentDuringPenalty),
      goal('goal 0', run.sentDuringPenalty === 0)
    );
    const lost = run.events - run.distinctEventIds;
    const duplicated = run.activitiesInD365 - run.distinctEventIds;
    results.add(
      `${label}: events lost, duplicate activities, records failed`,
      `${lost} lost, ${duplicated} duplicate, ${run.counts.rejected} rejected (activities in D365 ` +
        `${formatNumber(run.activitiesInD365)}, distinct event ids ${formatNumber(run.distinctEventIds)})`,
      goal('goal 0, 0, 0', lost === 0 && duplicated === 0 && run.counts.rejected === 0)
    );
  }
}
