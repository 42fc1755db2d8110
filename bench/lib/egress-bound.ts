import { type DynamicsCostOptions, type LimitsInForce } from '../../src/sandbox/dynamics';
import { type EgressRun } from './egress-run';

/**
 * The least time D365's limits allow for an egress run's work at their sustained rate, in seconds (the formula of
 * `egress-ceiling`, for any cost and limits): the work's server time S (each admitted request's `requestMs` plus
 * `writeMs` per operation: a create and a completion per activity, and each follow-up task) and its admitted requests
 * R, under E ms of server time and L requests per W seconds and C at once: max(S / E × W, R / L × W,
 * (S + R × latency) / C). 100 % of the ceiling = the run took that long.
 */
export function leastSecondsAllowed(
  run: EgressRun,
  cost: Required<DynamicsCostOptions>,
  limits: LimitsInForce
): { seconds: number; serverSeconds: number } {
  const admitted = run.requests - run.throttled;
  const operations = 2 * run.activitiesInD365 + run.counts.tasks;
  const serverMs = admitted * cost.requestMs + operations * cost.writeMs;
  const W = limits.windowSeconds;
  const byExecution = (serverMs / limits.executionTimeMs) * W;
  const byRequests = (admitted / limits.requests) * W;
  const byConcurrency = (serverMs + admitted * cost.latencyMs) / 1000 / limits.concurrent;
  return { seconds: Math.max(byExecution, byRequests, byConcurrency), serverSeconds: serverMs / 1000 };
}
