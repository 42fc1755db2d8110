import {
  type DynamicsCostOptions,
  type LimitsInForce,
  PRODUCTION_LIKE_DYNAMICS_COST,
  type ServiceProtectionLimits,
} from '../../src/sandbox/dynamics';

/** Dataverse's documented service protection limits per application user (docs/cost-model.md). */
const DATAVERSE_LIMITS: LimitsInForce = {
  requests: 6_000,
  executionTimeMs: 1_200_000,
  concurrent: 52,
  windowSeconds: 300,
};

/** The production-like D365 cost and Dataverse's limits, with every duration divided by a factor. */
export interface ScaledDynamics {
  factor: number;
  cost: Required<DynamicsCostOptions>;
  limits: LimitsInForce & Pick<ServiceProtectionLimits, 'penaltyExtensionMs'>;
}

/**
 * Production-like D365 run `factor` times faster: every duration of the cost model (latency, server time per request,
 * row and operation) and of the limits (the window, the execution time it allows, the extension of a penalty per
 * request sent during it) divided by `factor`; counts (the requests a window allows, the concurrent requests, the
 * recommended parallelism) unchanged. Each request then does what it would in production in 1 / factor of the time,
 * so every ceiling is `factor` times higher and a share of it means what it would in production, for a run `factor`
 * times shorter. One thing does not scale: `Retry-After` is in whole seconds (at least 1), so a penalty can cost a
 * scaled run up to `factor` times more than production: a share measured this way errs low.
 */
export function scaledDynamics(factor: number): ScaledDynamics {
  if (!(factor >= 1)) throw new RangeError(`the time scale must be 1 or more, got ${factor}`);
  const { latencyMs, requestMs, rowReadMs, writeMs, dopHint } = PRODUCTION_LIKE_DYNAMICS_COST;
  return {
    factor,
    cost: {
      latencyMs: latencyMs / factor,
      requestMs: requestMs / factor,
      rowReadMs: rowReadMs / factor,
      writeMs: writeMs / factor,
      dopHint,
    },
    limits: {
      ...DATAVERSE_LIMITS,
      executionTimeMs: DATAVERSE_LIMITS.executionTimeMs / factor,
      windowSeconds: DATAVERSE_LIMITS.windowSeconds / factor,
      penaltyExtensionMs: 1000 / factor,
    },
  };
}
