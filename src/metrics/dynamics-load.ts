import { type DynamicsClient } from '../connectors/dynamics';

/** What the worker's metrics report about its D365 traffic, cumulative since the worker started. */
export interface DynamicsLoad {
  /** Requests in flight now. */
  inFlight: number;
  /** 429 (service protection) answers so far. */
  throttled: number;
  /** Milliseconds D365 asked the worker to wait (`Retry-After`) in all. */
  penaltyMs: number;
}

/** The one place the metrics read D365's load from: the client's limiter and 429 handling. */
export function dynamicsLoad(client: DynamicsClient | undefined): DynamicsLoad {
  if (!client) return { inFlight: 0, throttled: 0, penaltyMs: 0 };
  const { answers, waitMs } = client.throttled;
  return { inFlight: client.inFlight, throttled: answers, penaltyMs: waitMs };
}
