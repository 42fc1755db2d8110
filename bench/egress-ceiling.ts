import { DynamicsCost, writeCeilingPerSecond } from '../src/sandbox/dynamics';
import { egressCeiling } from './lib/ceiling';
import { measureEgress } from './lib/egress-run';
import { formatNumber, goal, type Results } from './lib/results';
import { scaledDynamics } from './lib/time-scale';

/** Production-like D365 and Dataverse's limits, ten times faster: a 200,000-event run takes minutes, not hours. */
const SCALED = scaledDynamics(10);
const LIMITS = SCALED.limits;
/** The product's default `egress.batchSize`. */
const BATCH_SIZE = 200;
const COST = new DynamicsCost(SCALED.cost);

/**
 * The egress flow at the ceiling of D365's service protection, with the simulator's production-like cost model
 * (docs/cost-model.md): the concurrency controller (the product default, `dynamics.maxConcurrentRequests` 16), one
 * request in flight as the code before it did (`maxConcurrentRequests` 1, on a tenth of the events), and three
 * worker processes sharing the application user. Each is reported as a share of the least time the limits allow.
 */
export async function egressCeilingBenchmark(results: Results, events: number, baseline: boolean): Promise<void> {
  const perSecond = writeCeilingPerSecond(COST, LIMITS, { operationsPerRequest: BATCH_SIZE });
  results.note(
    `D365 cost: production-like, ${SCALED.factor} times faster (${JSON.stringify(SCALED.cost)}); limits ${LIMITS.requests} ` +
      `requests, ${LIMITS.executionTimeMs / 1000} s of execution time per ${LIMITS.windowSeconds} s, ` +
      `${LIMITS.concurrent} at once; batch ${BATCH_SIZE}: the write ceiling is ${formatNumber(perSecond, 1)} ` +
      'operations/s (writeCeilingPerSecond), about 2.3 operations per event (create, complete, and a follow-up task ' +
      'for the 3 in 10 events that are clicks or bounces).'
  );
  const runs: [string, { events: number; dynamicsConcurrency?: number; workers?: number }][] = [
    ['controller, 1 worker', { events }],
    ...(baseline
      ? [
          [
            'one request in flight (before the controller)',
            { events: Math.max(1000, Math.round(events / 10)), dynamicsConcurrency: 1 },
          ] as [string, { events: number; dynamicsConcurrency: number }],
        ]
      : []),
    ['controller, 3 workers', { events, workers: 3 }],
  ];
  for (const [label, options] of runs) {
    const run = await measureEgress({ ...options, batchSize: BATCH_SIZE, limits: LIMITS, cost: COST.options });
    const bound = egressCeiling(run, SCALED.cost, LIMITS);
    const share = bound.seconds / run.busySeconds;
    const failed = run.counts.rejected + (run.events - run.counts.created - run.counts.duplicates);
    results.add(
      `${label}: ${formatNumber(run.events)} events`,
      `${formatNumber(run.busySeconds, 1)} s = ${formatNumber(run.events / run.busySeconds, 1)} events/s; ` +
        `${formatNumber(run.requests - run.throttled)} requests admitted, ${formatNumber(run.throttled)} answered 429; ` +
        `${formatNumber(bound.serverSeconds, 1)} s of server time`
    );
    results.add(
      `${label}: share of the ceiling (least time the limits allow ${formatNumber(bound.seconds, 1)} s / ` +
        `${formatNumber(run.busySeconds, 1)} s taken)`,
      `${formatNumber(share * 100, 1)} %`,
      label.startsWith('controller')
        ? goal(`goal >= ${label.includes('3') ? 85 : 90} %`, share >= (label.includes('3') ? 0.85 : 0.9))
        : undefined
    );
    results.add(
      `${label}: requests sent during a penalty`,
      String(run.sentDuringPenalty),
      goal('goal 0', run.sentDuringPenalty === 0)
    );
    results.add(
      `${label}: records failed`,
      `${failed} (created ${run.counts.created}, activities in D365 ${run.activitiesInD365})`,
      goal('goal 0', failed === 0 && run.activitiesInD365 === run.events)
    );
  }
}
