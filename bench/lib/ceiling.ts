import { type DynamicsCostOptions, type LimitsInForce } from '../../src/sandbox/dynamics';
import { formatNumber } from './results';
import { type EgressRun } from './egress-run';

/** The least time D365's limits allow a run's work, which limit sets it, and the work's server time. */
export interface Ceiling {
  seconds: number;
  serverSeconds: number;
  limit: 'execution time' | 'requests' | 'concurrency';
}

/**
 * The least time the limits in force allow for a run's work at their sustained rates (the rates of
 * `writeCeilingPerSecond` and docs/cost-model.md): its server time S and its admitted requests R, under E ms of server
 * time and L requests per W seconds and C at once: max(S / E × W, R / L × W, (S + R × latency) / C). A run that took
 * that long is at 100 % of the ceiling.
 */
export function ceilingOf(
  work: { serverMs: number; admitted: number },
  cost: Required<DynamicsCostOptions>,
  limits: LimitsInForce
): Ceiling {
  const { serverMs, admitted } = work;
  const W = limits.windowSeconds;
  const bounds: [Ceiling['limit'], number][] = [
    ['execution time', (serverMs / limits.executionTimeMs) * W],
    ['requests', (admitted / limits.requests) * W],
    ['concurrency', (serverMs + admitted * cost.latencyMs) / 1000 / limits.concurrent],
  ];
  const [limit, seconds] = bounds.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { seconds, serverSeconds: serverMs / 1000, limit };
}

/**
 * {@link ceilingOf} an egress run: its server time is each admitted request's `requestMs` plus `writeMs` per
 * operation (a create and a completion per activity, and each follow-up task).
 */
export function egressCeiling(run: EgressRun, cost: Required<DynamicsCostOptions>, limits: LimitsInForce): Ceiling {
  const admitted = run.requests - run.throttled;
  const operations = 2 * run.activitiesInD365 + run.counts.tasks;
  return ceilingOf({ serverMs: admitted * cost.requestMs + operations * cost.writeMs, admitted }, cost, limits);
}

/**
 * The share of the ceiling and how it was computed. At the limits' sustained rate, a client that spent a whole window's
 * budget at the start could beat the least time by up to one window: the window's share of the run says how much a
 * share of a short run may be inflated (over 100 % is possible when it is large).
 */
export function describeShare(
  ceiling: Ceiling,
  seconds: number,
  windowSeconds: number
): { label: string; share: number } {
  return {
    label:
      `least time the limits allow ${formatNumber(ceiling.seconds, 1)} s (${ceiling.limit}) / ` +
      `${formatNumber(seconds, 1)} s taken; one window = ${formatNumber((windowSeconds / seconds) * 100, 1)} % of the run`,
    share: ceiling.seconds / seconds,
  };
}
