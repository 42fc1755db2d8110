import { durationToMs } from '../config/duration';
import { type Config } from '../config/schema';
import { ExitCode } from './errors';
import type { StatusReport } from './commands/status';

/**
 * A poller the server has not heard from for this long is gone: a live worker polls again at least every minute
 * (Temporal's long poll), while the server keeps listing a killed worker for minutes.
 */
export const WORKER_GONE_AFTER_MS = 2 * 60_000;

/** A running flow whose cursor has not moved for this many intervals is stale (it should move on every pass). */
export const STALE_AFTER_INTERVALS = 3;

export type StatusProblemKind = 'flow-failed' | 'no-worker' | 'stale-cursor';

export interface StatusProblem {
  kind: StatusProblemKind;
  workflowId?: string;
  message: string;
}

export interface StatusCheck {
  ok: boolean;
  exitCode: number;
  problems: StatusProblem[];
}

const EXIT_CODE_OF: Record<StatusProblemKind, number> = {
  'flow-failed': ExitCode.flowFailed,
  'no-worker': ExitCode.noWorker,
  'stale-cursor': ExitCode.staleCursor,
};

/** Closed statuses that are a failure (a flow stopped with `acs-d365 stop` is CANCELED: deliberate, not failed). */
const FAILED_STATUSES = new Set(['FAILED', 'TERMINATED', 'TIMED_OUT']);
/** Phases in which the cursor is not expected to move. */
const PHASES_WITHOUT_CURSOR = new Set(['preflight', 'initial-transfer', 'paused']);

/** Whether a poller was heard from recently enough to be a live worker. */
export function isPolling(lastSeen: string | null, now: number): boolean {
  return lastSeen !== null && now - Date.parse(lastSeen) <= WORKER_GONE_AFTER_MS;
}

/** Each configured flow's interval (`every`), by manager workflow id; flows without a cursor (verify) are left out. */
export function flowIntervals(config: Config, workflowIdOf: (flow: string) => string): Map<string, number> {
  const intervals = new Map<string, number>();
  for (const mapping of config.ingress)
    intervals.set(workflowIdOf(`ingress:${mapping.name}`), durationToMs(mapping.every));
  if (config.egress) intervals.set(workflowIdOf('egress'), durationToMs(config.egress.every));
  if (config.optOut && config.optOut.mode !== 'disabled')
    intervals.set(workflowIdOf('optout'), durationToMs(config.optOut.every));
  return intervals;
}

/**
 * What `status --check` reports: flows that failed (their manager closed on a failure, a failed initial transfer, a
 * last pass that failed), no worker polling, and cursors that have not moved for {@link STALE_AFTER_INTERVALS}
 * intervals. The exit code is that of the first kind found, in this order.
 */
export function checkStatus(report: StatusReport, intervals: ReadonlyMap<string, number>): StatusCheck {
  const now = Date.parse(report.generatedAt);
  const problems: StatusProblem[] = [];
  if (!report.workers.some((worker) => isPolling(worker.lastSeen, now))) {
    problems.push({
      kind: 'no-worker',
      message: `no worker polls task queue ${report.temporal.taskQueue} (namespace ${report.temporal.namespace})`,
    });
  }
  for (const flow of report.flows) {
    const failure = failureOf(flow);
    if (failure) {
      problems.push({ kind: 'flow-failed', workflowId: flow.workflowId, message: `${flow.workflowId}: ${failure}` });
      continue;
    }
    const stale = staleness(flow, intervals.get(flow.workflowId), now);
    if (stale)
      problems.push({ kind: 'stale-cursor', workflowId: flow.workflowId, message: `${flow.workflowId}: ${stale}` });
  }
  const kinds = Object.keys(EXIT_CODE_OF) as StatusProblemKind[];
  const first = kinds.find((kind) => problems.some((problem) => problem.kind === kind));
  return { ok: first === undefined, exitCode: first ? EXIT_CODE_OF[first] : ExitCode.ok, problems };
}

function failureOf(flow: StatusReport['flows'][number]): string | undefined {
  if (FAILED_STATUSES.has(flow.status))
    return `its manager is ${flow.status} (resume it: acs-d365 retry ${flow.workflowId})`;
  const detail = flow.detail;
  if (!detail || typeof detail.unavailable === 'string') return undefined;
  if (detail.phase === 'failed') return `phase failed: ${firstLine(detail.lastError) ?? 'see acs-d365 status'}`;
  if (typeof detail.lastError === 'string') return `last error: ${firstLine(detail.lastError)}`;
  return undefined;
}

function staleness(
  flow: StatusReport['flows'][number],
  intervalMs: number | undefined,
  now: number
): string | undefined {
  const detail = flow.detail;
  if (flow.status !== 'RUNNING' || intervalMs === undefined || !detail || typeof detail.unavailable === 'string')
    return undefined;
  if (PHASES_WITHOUT_CURSOR.has(String(detail.phase))) return undefined;
  const since = typeof detail.cursorAt === 'string' ? detail.cursorAt : flow.startedAt;
  if (since === null) return undefined;
  const ageMs = now - Date.parse(since);
  if (ageMs <= STALE_AFTER_INTERVALS * intervalMs) return undefined;
  const what = typeof detail.cursorAt === 'string' ? 'cursor last moved' : 'cursor has not moved since the start';
  return `${what} ${Math.round(ageMs / 1000)}s ago, more than ${STALE_AFTER_INTERVALS} intervals of ${Math.round(intervalMs / 1000)}s`;
}

function firstLine(text: unknown): string | undefined {
  return typeof text === 'string' ? text.split('\n')[0] : undefined;
}
