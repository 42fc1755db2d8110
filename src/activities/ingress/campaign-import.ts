import { posix } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { CampaignSignalCooldownError, type WorkflowClient, type WorkflowInfo } from '../../connectors/campaign';
import { type SftpClient } from '../../connectors/sftp';
import { parseAcsDate } from '../../sync/acs-dates';
import { type CampaignImportStatus } from './contracts';
import { type RejectsReport } from './rejects-report';
import { parse } from 'csv-parse';
import { rejectRowOfImport } from './write-chunk-rejects';
import {
  CAMPAIGN_IMPORT_COOLDOWN,
  CAMPAIGN_IMPORT_NOT_READY,
  CONFIG_ERROR,
  INGRESS_INPUT_ERROR,
} from '../../sync/failure-types';

/** The `source` of the signal (docs/campaign-files.md §1). */
export const IMPORT_SIGNAL_SOURCE = 'acs-d365';
/** The signal parameter that carries the chunk names, joined by `,`. */
export const FILE_NAMES_PARAMETER = 'fileNames';
/** The signal activity of the import workflow in docs/campaign-files.md. */
export const DEFAULT_SIGNAL_ACTIVITY = 'signal1';
/** ACS accepts one trigger of a signal per 10 minutes. */
export const SIGNAL_COOLDOWN_MS = 10 * 60_000;

const COOLDOWN_UNKNOWN_RETRY_MS = 60_000;
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface CampaignImportOptions {
  workflows: WorkflowClient;
  /** The import workflow's ID, e.g. `WKF12`. */
  workflowId: string;
  /** The external signal activity. @default `signal1` when the workflow has it, else its only signal activity */
  signalActivity?: string;
  /** How long to wait for a start command to take effect. @default 60000 */
  startTimeoutMs?: number;
  /** Time between two reads of the state while starting. @default 1000 */
  pollIntervalMs?: number;
  /** When this process last triggered each workflow (ms since the epoch), for the remaining cooldown. */
  lastTriggers?: Map<string, number>;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Makes sure the import workflow waits at its signal (a finished, stopped, failed or never-run workflow is started
 * again), then triggers the signal with the chunk names. During the 10-minute cooldown it fails with a retryable
 * {@link CAMPAIGN_IMPORT_COOLDOWN} failure whose next retry comes when the cooldown ends.
 */
export async function startImport(fileNames: readonly string[], options: CampaignImportOptions): Promise<void> {
  checkFileNames(fileNames);
  const { workflows, workflowId } = options;
  const now = options.now ?? Date.now;
  let workflow = await workflows.get(workflowId);
  if (workflow.state === 'paused') {
    throw ApplicationFailure.retryable(
      `Campaign import workflow ${workflowId} is paused; resume it in Campaign and the import starts`,
      CAMPAIGN_IMPORT_NOT_READY
    );
  }
  if (workflow.state !== 'started') {
    await workflows.start(workflowId);
    workflow = await workflows.waitForState(workflowId, (state) => state === 'started', {
      timeoutMs: options.startTimeoutMs ?? 60_000,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
    });
  }
  const activity = options.signalActivity ?? signalActivityOf(workflow, workflowId);
  try {
    await workflows.triggerSignal(workflowId, activity, IMPORT_SIGNAL_SOURCE, {
      [FILE_NAMES_PARAMETER]: fileNames.join(','),
    });
  } catch (error) {
    if (!(error instanceof CampaignSignalCooldownError)) throw error;
    throw ApplicationFailure.create({
      message: `${error.message}; retrying when the cooldown ends`,
      type: CAMPAIGN_IMPORT_COOLDOWN,
      nextRetryDelay: remainingCooldownMs(workflow, options.lastTriggers?.get(workflowId), now()),
      cause: error,
    });
  }
  options.lastTriggers?.set(workflowId, now());
}

/** The import workflow's state (one GET). */
export async function importStatus(workflows: WorkflowClient, workflowId: string): Promise<CampaignImportStatus> {
  const state = (await workflows.get(workflowId)).state ?? 'unknown';
  return { state, finished: state === 'finished', failed: state === 'error' || state === 'stopped' };
}

/** `X.csv.gz` → `X_rejects.csv` (docs/campaign-files.md §1). */
export function rejectsFileName(fileName: string): string {
  return `${fileName.replace(/\.gz$/, '').replace(/\.csv$/, '')}_rejects.csv`;
}

/**
 * Reads the rejects file of each imported file from the SFTP rejects folder (streamed) and appends its records to
 * the rejects report. A missing rejects file is an error: the workflow always writes one, so it means the import did
 * not run as documented. The target's resource and field names are the only quoted text of Campaign's messages that
 * the report keeps.
 * @returns how many records Campaign refused
 */
export async function collectRejects(
  sftp: SftpClient,
  rejectsFolder: string,
  fileNames: readonly string[],
  target: { resource: string; fields: ReadonlySet<string> },
  report: Pick<RejectsReport, 'append'>,
  /** Collects the refused keys, up to `room`. */
  keys: { found: string[]; room: number } = { found: [], room: 0 }
): Promise<number> {
  checkFileNames(fileNames);
  let rejected = 0;
  for (const fileName of fileNames) {
    const stream = await sftp.openReadStream(posix.join(rejectsFolder, rejectsFileName(fileName)));
    let header: string[] | undefined;
    try {
      const records = stream.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
      stream.once('error', (error: Error) => records.destroy(error));
      for await (const record of records as AsyncIterable<string[]>) {
        if (!header) {
          header = record;
          continue;
        }
        const cell = (name: string): string => record[header?.indexOf(name) ?? -1] ?? '';
        const reject = {
          recordNumber: cell('recordNumber'),
          key: cell('key'),
          errorCode: cell('errorCode'),
          errorMessage: cell('errorMessage'),
        };
        await report.append([rejectRowOfImport(reject, fileName, target)]);
        rejected += 1;
        if (reject.key !== '' && keys.found.length < keys.room) keys.found.push(reject.key);
      }
    } finally {
      stream.destroy();
    }
  }
  return rejected;
}

function checkFileNames(fileNames: readonly string[]): void {
  const bad = fileNames.find((name) => !PLAIN_NAME.test(name));
  if (fileNames.length === 0 || bad !== undefined) {
    throw ApplicationFailure.nonRetryable(
      fileNames.length === 0
        ? 'no import file names were given'
        : `"${bad}" is not a plain file name (letters, digits, '.', '_', '-')`,
      INGRESS_INPUT_ERROR
    );
  }
}

/** `signal1` when the workflow has it, else its only external signal activity. */
function signalActivityOf(workflow: WorkflowInfo, workflowId: string): string {
  const activities = (workflow.raw.activities as { activity?: Record<string, { type?: unknown }> } | undefined)
    ?.activity;
  const names = Object.keys(activities ?? {});
  if (names.includes(DEFAULT_SIGNAL_ACTIVITY)) return DEFAULT_SIGNAL_ACTIVITY;
  const signals = names.filter((name) => activities?.[name]?.type === 'signal');
  const only = signals.length === 1 ? signals[0] : undefined;
  if (only === undefined) {
    throw ApplicationFailure.nonRetryable(
      `Campaign workflow ${workflowId} has ${signals.length} external signal ` +
        `activities and none is named ${DEFAULT_SIGNAL_ACTIVITY}; name the import signal ${DEFAULT_SIGNAL_ACTIVITY}`,
      CONFIG_ERROR
    );
  }
  return only;
}

/**
 * The rest of the cooldown, from the latest trigger known: this process's own, or the workflow's last execution
 * start when Campaign reports it. Unknown → one minute.
 */
function remainingCooldownMs(workflow: WorkflowInfo, ownTrigger: number | undefined, now: number): number {
  const lastExecution = workflow.raw.lastExecution as { startedAt?: unknown } | null | undefined;
  const reported = typeof lastExecution?.startedAt === 'string' ? parseAcsDate(lastExecution.startedAt) : undefined;
  const known = [ownTrigger, reported?.getTime()].filter((time): time is number => time !== undefined);
  if (known.length === 0) return COOLDOWN_UNKNOWN_RETRY_MS;
  const remaining = Math.max(...known) + SIGNAL_COOLDOWN_MS - now;
  // A trigger older than the cooldown, yet refused: the clocks differ; try again soon.
  return remaining > 0 ? remaining + 1_000 : COOLDOWN_UNKNOWN_RETRY_MS;
}
