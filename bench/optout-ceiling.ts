import { DynamicsCost } from '../src/sandbox/dynamics';
import { ceilingOf } from './lib/ceiling';
import { type OptOutRun, measureOptOut } from './lib/optout-run';
import { formatNumber, goal, type Results } from './lib/results';
import { scaledDynamics } from './lib/time-scale';

/** Production-like D365 (cost and Dataverse's limits) 10 times faster: a 100,000-contact run takes minutes. */
const SCALE = scaledDynamics(10);
/** Campaign's production-like API latency (100 ms, docs/cost-model.md) on the same time scale. */
const CAMPAIGN_COST = { latencyMs: 100 / SCALE.factor };
const COST = new DynamicsCost(SCALE.cost);
/**
 * `campaign.maxConcurrentRequests`: each line waits for its profile (one Campaign call), so lines go at most this many
 * per latency; 16 at 100 ms (160 lines/s) stays above D365's ceiling (about 80 updates/s), 8 would not.
 */
const CAMPAIGN_CONCURRENCY = 16;

/**
 * The least time the limits allow for a run's work, in seconds: its server time S (each admitted request's
 * `requestMs`, `rowReadMs` per contact read, `writeMs` per contact updated) and its admitted requests R, under E ms of
 * server time and L requests per sliding window of W seconds and C requests at once.
 * - `sustained` (as egress-ceiling.ts): at the limits' sustained rate, max(S / E × W, R / L × W, (S + R × latency) / C).
 * - `least`: a sliding window lets a client spend a whole window's budget at once, so any span of T seconds holds at
 *   most ⌈T / W⌉ windows' worth: max((⌈S / E⌉ − 1) × W, (⌈R / L⌉ − 1) × W, (S + R × latency) / C). No schedule the
 *   limits admit is faster; on a run of a few windows it is below `sustained` by up to W.
 * 100 % of the ceiling = the run took `sustained` (the goal, as egress-ceiling's); the share of `least` is shown too.
 */
function limitSeconds(run: OptOutRun): { least: number; sustained: number; serverSeconds: number } {
  const { requestMs, rowReadMs, writeMs, latencyMs } = COST.options;
  const { limits } = SCALE;
  const admitted = run.requests - run.throttled;
  const serverMs = admitted * requestMs + run.contacts * rowReadMs + run.updates * writeMs;
  const W = limits.windowSeconds;
  const byConcurrency = (serverMs + admitted * latencyMs) / 1000 / limits.concurrent;
  const sustained = ceilingOf({ serverMs, admitted }, COST.options, limits).seconds;
  const windows = (used: number, budget: number): number => Math.max(0, Math.ceil(used / budget) - 1) * W;
  const least = Math.max(windows(serverMs, limits.executionTimeMs), windows(admitted, limits.requests), byConcurrency);
  return { least, sustained, serverSeconds: serverMs / 1000 };
}

/**
 * Opt-out in mode campaign-to-d365 at the ceiling of D365's service protection: `contacts` contacts flipped in
 * Campaign, applied by the real worker with the concurrency controller (the product default), and, as the baseline,
 * a fifth of them with one request in flight (`dynamics.maxConcurrentRequests` 1). Each run as a share of the least
 * time the limits allow it.
 */
export async function optOutCeilingBenchmark(results: Results, contacts: number, baseline: boolean): Promise<void> {
  results.note(
    `D365: production-like cost and Dataverse's limits ${SCALE.factor} times faster (scaledDynamics(${SCALE.factor}): ` +
      `${JSON.stringify(SCALE.cost)}; ${SCALE.limits.requests} requests and ${SCALE.limits.executionTimeMs / 1000} s ` +
      `of execution time per ${SCALE.limits.windowSeconds} s, ${SCALE.limits.concurrent} at once): every rate is 10 ` +
      `times production's, a share of the ceiling means what it would there. Campaign: ${CAMPAIGN_COST.latencyMs} ms ` +
      'per API call (production-like 100 ms on the same scale), campaign.maxConcurrentRequests ' +
      `${CAMPAIGN_CONCURRENCY}. Mode campaign-to-d365; each contact flipped once in Campaign (one export file), so ` +
      'each needs one D365 update.'
  );
  const runs: [string, { contacts: number; dynamicsConcurrency?: number }][] = [
    ...(baseline
      ? [
          [
            'one request in flight (dynamics.maxConcurrentRequests 1)',
            {
              contacts: Math.max(1000, Math.round(contacts / 5)),
              dynamicsConcurrency: 1,
            },
          ] as [string, { contacts: number; dynamicsConcurrency: number }],
        ]
      : []),
    ['controller', { contacts }],
  ];
  for (const [label, options] of runs) {
    const run = await measureOptOut({
      ...options,
      limits: SCALE.limits,
      dynamicsCost: SCALE.cost,
      campaignCost: CAMPAIGN_COST,
      campaignConcurrency: CAMPAIGN_CONCURRENCY,
    });
    const bound = limitSeconds(run);
    const share = bound.sustained / run.busySeconds;
    const failed = run.counts.rejected + run.counts.missing;
    results.add(
      `${label}: ${formatNumber(run.contacts)} contacts`,
      `${formatNumber(run.busySeconds, 1)} s = ${formatNumber(run.contacts / run.busySeconds, 1)} contacts/s; ` +
        `${formatNumber(run.requests - run.throttled)} requests admitted, ${formatNumber(run.throttled)} answered 429; ` +
        `${formatNumber(bound.serverSeconds, 1)} s of server time`
    );
    results.add(
      `${label}: share of the ceiling (time the limits allow at their sustained rate ` +
        `${formatNumber(bound.sustained, 1)} s / ${formatNumber(run.busySeconds, 1)} s taken)`,
      `${formatNumber(share * 100, 1)} %`,
      label === 'controller' ? goal('goal >= 90 %', share >= 0.9) : undefined
    );
    // Within one window's budget the burst bound says only how fast 52 requests at once could go: not shown.
    if (bound.sustained > SCALE.limits.windowSeconds) {
      results.add(
        `${label}: share of the least time with a whole window's budget spent at once ` +
          `(${formatNumber(bound.least, 1)} s / ${formatNumber(run.busySeconds, 1)} s)`,
        `${formatNumber((bound.least / run.busySeconds) * 100, 1)} %`
      );
    }
    results.add(
      `${label}: requests in flight`,
      `${formatNumber(run.timeline.mean, 2)} on average, ${run.timeline.peak} at most; none for ` +
        `${formatNumber(run.timeline.idleSeconds, 1)} s (longest gap ${formatNumber(run.timeline.longestIdleSeconds, 2)} s; ` +
        `${formatNumber(run.timeline.idleInPenaltySeconds, 1)} s of it waiting out a Retry-After)` +
        (run.timelineComplete ? '' : ' (the last 10,000 requests only)')
    );
    results.add(
      `${label}: requests sent during a penalty`,
      String(run.sentDuringPenalty),
      goal('goal 0', run.sentDuringPenalty === 0)
    );
    results.add(
      `${label}: records failed (rejected + missing)`,
      `${failed} (read ${formatNumber(run.counts.read)}, values applied ${formatNumber(run.counts.applied)})`,
      goal('goal 0', failed === 0)
    );
    results.add(
      `${label}: D365 contacts matching Campaign`,
      `${formatNumber(run.matching)} of ${formatNumber(run.contacts)}`,
      goal('goal all', run.matching === run.contacts)
    );
  }
}
