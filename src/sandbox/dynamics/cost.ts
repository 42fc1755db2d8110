/**
 * What a request costs the simulated Dataverse: network latency, and server time that grows with the rows a read
 * returns and the operations a write carries (each operation of a `$batch` costs its own time). Server time is what
 * service protection's execution-time limit counts. Defaults and their sources: docs/cost-model.md.
 */
export interface DynamicsCostOptions {
  /** Network round trip added to every answer, in ms (not server time). @default 0 */
  latencyMs?: number;
  /** Server time of any request, in ms. @default 0 */
  requestMs?: number;
  /** Server time per row a read returns, in ms. @default 0 */
  rowReadMs?: number;
  /** Server time per operation written (create, update, upsert, delete), in ms. @default 0 */
  writeMs?: number;
  /** The `x-ms-dop-hint` header on every answer: the recommended degree of parallelism. @default 4 */
  dopHint?: number;
}

/** The work one request did, counted by the Web API as it ran. */
export interface RequestWork {
  rowsRead: number;
  writes: number;
}

/**
 * Production-like defaults (docs/cost-model.md says where each comes from): a client in another network than the
 * organization, ~1 s of server time for a 5,000-row page, ~50 ms per written operation.
 */
export const PRODUCTION_LIKE_DYNAMICS_COST: Required<DynamicsCostOptions> = Object.freeze({
  latencyMs: 25,
  requestMs: 10,
  rowReadMs: 0.2,
  writeMs: 50,
  dopHint: 4,
});

/** Cost off: the simulator answers at once (unit and contract tests). */
export const NO_DYNAMICS_COST: Required<DynamicsCostOptions> = Object.freeze({
  latencyMs: 0,
  requestMs: 0,
  rowReadMs: 0,
  writeMs: 0,
  dopHint: 4,
});

export class DynamicsCost {
  readonly options: Required<DynamicsCostOptions>;

  constructor(options: DynamicsCostOptions = {}) {
    this.options = { ...NO_DYNAMICS_COST, ...options };
  }

  /** Server time of a request that did `work`, in ms. */
  serverTimeMs(work: RequestWork): number {
    const { requestMs, rowReadMs, writeMs } = this.options;
    return requestMs + rowReadMs * work.rowsRead + writeMs * work.writes;
  }
}

/** Service protection limits as the ceiling computation needs them (all set). */
export interface LimitsInForce {
  requests: number;
  executionTimeMs: number;
  concurrent: number;
  windowSeconds: number;
}

/** A write workload: how many operations each request carries (1 for single requests, the batch size for `$batch`). */
export interface WriteWorkload {
  operationsPerRequest: number;
}

/**
 * The most operations per second one application user can write under these limits and this cost, whatever the
 * client does: the lowest of the request-count ceiling (requests per second × operations per request), the
 * execution-time ceiling (server ms allowed per second ÷ server ms per operation, the request's own time shared by
 * its operations) and the concurrency ceiling (concurrent requests ÷ a request's duration × operations per request).
 */
export function writeCeilingPerSecond(cost: DynamicsCost, limits: LimitsInForce, workload: WriteWorkload): number {
  const ops = workload.operationsPerRequest;
  const serverMs = cost.serverTimeMs({ rowsRead: 0, writes: ops });
  const byRequests = (limits.requests / limits.windowSeconds) * ops;
  const byExecution = ((limits.executionTimeMs / limits.windowSeconds) * ops) / Math.max(serverMs, Number.EPSILON);
  const durationSeconds = (serverMs + cost.options.latencyMs) / 1000;
  const byConcurrency = (limits.concurrent / Math.max(durationSeconds, Number.EPSILON)) * ops;
  return Math.min(byRequests, byExecution, byConcurrency);
}
