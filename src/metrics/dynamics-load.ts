import { type DynamicsClient } from '../connectors/dynamics';

/** What the worker's metrics report about its D365 traffic, cumulative since the worker started. */
export interface DynamicsLoad {
  /** Requests in flight now. */
  inFlight: number;
  /** 429 (service protection) answers so far. */
  throttled: number;
  /** Milliseconds during which the application user's requests were held by a `Retry-After` penalty. */
  penaltyMs: number;
}

/** The one place the metrics read D365's load from: the application user's concurrency controller. */
export function dynamicsLoad(client: DynamicsClient | undefined): DynamicsLoad {
  if (!client) return { inFlight: 0, throttled: 0, penaltyMs: 0 };
  const { inFlight, throttles, penaltySeconds } = client.concurrency;
  return { inFlight, throttled: throttles, penaltyMs: Math.round(penaltySeconds * 1000) };
}
