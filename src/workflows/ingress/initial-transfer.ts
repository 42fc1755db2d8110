import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  setCurrentDetails,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { IngressSettings } from '../../activities/ingress/settings';
import { importPollDelayMs } from '../../sync/import-polling';
import { addCounts, ZERO_COUNTS, type IngressCounts } from '../../sync/ingress/counts';
import { withPassRecord } from '../pass-record';
import { MAX_WAITING_ROWS } from './pass';
import { control, pageCall, pages } from './proxies';
import { transferReportSignal, type TransferCheckpoint, type TransferProgress } from './messages';
import {
  CAMPAIGN_IMPORT_FAILED,
  CAMPAIGN_IMPORT_INCOMPLETE,
  CAMPAIGN_IMPORT_TIMEOUT,
  CONFIG_ERROR,
  D365_PROTOCOL_ERROR,
} from '../../sync/failure-types';

export interface InitialTransferInput {
  mapping: string;
  settings: IngressSettings;
  /** Resume here (a transfer that failed earlier) instead of starting from the first row. */
  checkpoint?: TransferCheckpoint;
  /**
   * After the read, delete from Campaign what should no longer be there (rows gone, rows out of the filter): needed
   * after an expired delta token, a reset cursor or a replay, since the deletes in between were never seen.
   */
  reconcileDeletes?: boolean;
}

export interface InitialTransferResult {
  path: 'api' | 'file';
  /** Where incremental sync starts: the delta link of this same full read (no gap, no overlap). */
  deltaLink: string;
  pages: number;
  fileNames: string[];
  counts: IngressCounts;
  /** Rows waiting for a linked record (D365 ids): the first pass looks at them again. */
  waiting?: string[];
}

/**
 * Copies every row (inactive ones included) once: through the API at or under the file threshold, else as gzip CSV
 * chunks on the Campaign SFTP imported by a Campaign workflow. Reports a checkpoint to its manager after each page or
 * chunk, so that a failed transfer resumes from the last completed one.
 */
export async function initialTransferWorkflow(input: InitialTransferInput): Promise<InitialTransferResult> {
  let tracker: ProgressTracker | undefined;
  return await withPassRecord(
    async () => {
      const { rows } = await control.countSourceRows({ mapping: input.mapping });
      const useFiles = rows > input.settings.fileThreshold;
      if (useFiles && !input.settings.canUseFiles) {
        throw ApplicationFailure.nonRetryable(
          `${input.mapping}: ${rows} rows is over initialTransfer.fileThreshold (${input.settings.fileThreshold}); ` +
            'set initialTransfer.importWorkflow to the Campaign import workflow, or raise the threshold.',
          CONFIG_ERROR
        );
      }
      tracker = new ProgressTracker(useFiles, rows, input);
      await tracker.report();
      const result = useFiles ? await transferByFiles(input, tracker) : await transferByApi(input, tracker);
      if (result.counts.rejected > 0)
        await control.publishRejectsReport({ mapping: input.mapping, reportId: reportIdOf(input) });
      // A full re-read cannot see deletions, and a file cannot delete what left the filter: walk Campaign for both.
      if (input.reconcileDeletes || (useFiles && input.settings.deleteFilteredOut)) {
        const deleted = await deleteWhatCampaignShouldNotHave(input.mapping);
        result.counts = addCounts(result.counts, { ...ZERO_COUNTS, deleted });
      }
      return result;
    },
    () => tracker?.counts ?? input.checkpoint?.counts,
    input.checkpoint?.counts
  );
}

/**
 * Follows one transfer attempt: shows it in the Temporal UI (current details) and reports progress, plus the
 * checkpoint after each page or chunk, to the manager (whose `status` query serves `status --watch`).
 */
class ProgressTracker {
  readonly progress: TransferProgress;
  counts: IngressCounts;

  constructor(useFiles: boolean, totalRows: number, input: InitialTransferInput) {
    const now = new Date().toISOString();
    const rowsAtStart = input.checkpoint?.rowsDone ?? 0;
    this.counts = input.checkpoint?.counts ?? { ...ZERO_COUNTS };
    this.progress = {
      path: useFiles ? 'file' : 'api',
      stage: 'reading',
      totalRows,
      rowsDone: rowsAtStart,
      chunksDone: input.checkpoint?.fileNames.length ?? 0,
      ...(useFiles ? { chunksTotal: Math.max(1, Math.ceil(totalRows / input.settings.rowsPerChunk)) } : {}),
      startedAt: now,
      rowsAtStart,
      updatedAt: now,
    };
  }

  /** A page or chunk is done: its counts, and where to resume (absent after the last one). */
  async done(counts: IngressCounts, checkpoint?: Omit<TransferCheckpoint, 'rowsDone' | 'counts'>): Promise<void> {
    this.counts = addCounts(this.counts, counts);
    this.progress.chunksDone += 1;
    this.progress.rowsDone = this.counts.read;
    await this.report(checkpoint ? { ...checkpoint, rowsDone: this.counts.read, counts: this.counts } : undefined);
  }

  async importing(): Promise<void> {
    this.progress.stage = 'importing';
    await this.report();
  }

  async report(checkpoint?: TransferCheckpoint): Promise<void> {
    this.progress.updatedAt = new Date().toISOString();
    const { path, stage, rowsDone, totalRows, chunksDone, chunksTotal } = this.progress;
    const unit = path === 'file' ? 'chunk' : 'page';
    setCurrentDetails(
      `${stage}: ${rowsDone} of ${totalRows} rows, ${unit} ${chunksDone}${chunksTotal ? ` of ${chunksTotal}` : ''}`
    );
    const parent = workflowInfo().parent;
    if (parent) {
      await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(transferReportSignal, {
        progress: { ...this.progress },
        ...(checkpoint ? { checkpoint } : {}),
      });
    }
  }
}

/**
 * Walks Campaign's records page by page, deleting those whose key D365 no longer has. Repeated until a walk deletes
 * nothing, since whether Campaign's page cursor shifts under deletes is not documented.
 */
async function deleteWhatCampaignShouldNotHave(mapping: string): Promise<number> {
  let total = 0;
  for (;;) {
    let deletedThisWalk = 0;
    let cursor: string | undefined;
    do {
      const page = await pages.reconcileIngressDeletes({ mapping, ...(cursor ? { cursor } : {}) });
      deletedThisWalk += page.deleted;
      cursor = page.cursor;
    } while (cursor !== undefined);
    total += deletedThisWalk;
    if (deletedThisWalk === 0) return total;
  }
}

/** Names the rejects report of this transfer. */
function reportIdOf(input: InitialTransferInput): string {
  return `${input.mapping}-initial-${workflowInfo().runId.slice(0, 8)}`;
}

async function transferByApi(input: InitialTransferInput, tracker: ProgressTracker): Promise<InitialTransferResult> {
  const reportId = reportIdOf(input);
  let link = input.checkpoint?.link;
  const waiting = [...(input.checkpoint?.waiting ?? [])];
  for (let pageCount = 1; ; pageCount++) {
    const page = await pages.syncIngressPage.executeWithOptions(pageCall(`page ${tracker.progress.chunksDone + 1}`), [
      { mapping: input.mapping, mode: 'full', link, reportId, waitingRoom: MAX_WAITING_ROWS - waiting.length },
    ]);
    waiting.push(...(page.waiting ?? []));
    if (page.deltaLink) {
      await tracker.done(page.counts);
      return {
        path: 'api',
        deltaLink: page.deltaLink,
        pages: pageCount,
        fileNames: [],
        counts: tracker.counts,
        ...(waiting.length > 0 ? { waiting } : {}),
      };
    }
    link = requireNextLink(page.nextLink);
    await tracker.done(page.counts, { link, fileNames: [], ...(waiting.length > 0 ? { waiting: [...waiting] } : {}) });
  }
}

async function transferByFiles(input: InitialTransferInput, tracker: ProgressTracker): Promise<InitialTransferResult> {
  const reportId = reportIdOf(input);
  const batchId = input.checkpoint?.batchId ?? batchIdOf(workflowInfo().startTime);
  const fileNames = [...(input.checkpoint?.fileNames ?? [])];
  let link = input.checkpoint?.link;
  let deltaLink: string | undefined;
  while (deltaLink === undefined) {
    const chunkNumber = fileNames.length + 1;
    const chunk = await pages.writeIngressChunk.executeWithOptions(pageCall(`chunk ${chunkNumber}`), [
      { mapping: input.mapping, batchId, chunkNumber, link, reportId },
    ]);
    fileNames.push(chunk.fileName);
    deltaLink = chunk.deltaLink;
    if (deltaLink === undefined) {
      link = requireNextLink(chunk.nextLink);
      await tracker.done(chunk.counts, { link, fileNames: [...fileNames], batchId });
    } else {
      await tracker.done(chunk.counts);
    }
  }
  let counts = tracker.counts;
  await tracker.importing();
  await control.startCampaignImport({ mapping: input.mapping, fileNames });
  await waitForCampaignImport(input.mapping, input.settings.importTimeoutMs);
  // A linked mapping's refused rows may only lack their parent: the first pass looks at them again through the API
  // (there they are written, wait, or are refused again with their reason).
  const linked = (input.settings.linkedMappings ?? []).length > 0;
  const { rejected, revisit } = await control.collectImportRejects({
    mapping: input.mapping,
    fileNames,
    reportId,
    ...(linked ? { revisitRoom: MAX_WAITING_ROWS } : {}),
  });
  await checkImportedCount(input.mapping, counts.read - counts.filteredOut - counts.rejected - rejected);
  counts = addCounts(counts, { ...ZERO_COUNTS, rejected });
  return {
    path: 'file',
    deltaLink,
    pages: fileNames.length,
    fileNames,
    counts,
    ...(revisit ? { waiting: revisit } : {}),
  };
}

/** Polls the Campaign import workflow ({@link importPollDelayMs}) until it finishes, fails or times out. */
async function waitForCampaignImport(mapping: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let poll = 0; ; poll++) {
    const status = await control.getCampaignImportStatus({ mapping });
    if (status.finished) return;
    if (status.failed) {
      throw ApplicationFailure.nonRetryable(
        `the Campaign import workflow of ${mapping} ended in state ${status.state}; check it in Campaign, then retry the transfer`,
        CAMPAIGN_IMPORT_FAILED
      );
    }
    if (Date.now() >= deadline) {
      throw ApplicationFailure.nonRetryable(
        `the Campaign import workflow of ${mapping} did not finish within initialTransfer.importTimeout; ` +
          'check it in Campaign, then retry the transfer (the uploaded chunks are kept)',
        CAMPAIGN_IMPORT_TIMEOUT
      );
    }
    await sleep(importPollDelayMs(poll));
  }
}

/**
 * Campaign must now hold at least the rows it accepted from the files (it may hold more: records from elsewhere).
 * Fewer means rows were dropped without a rejects line: the transfer fails rather than hiding it.
 */
async function checkImportedCount(mapping: string, accepted: number): Promise<void> {
  const { records } = await control.countCampaignRecords({ mapping });
  if (records < accepted) {
    throw ApplicationFailure.nonRetryable(
      `the Campaign import of ${mapping} accepted ${accepted} rows but the resource holds ${records} records; ` +
        'check the import workflow in Campaign, then retry the transfer',
      CAMPAIGN_IMPORT_INCOMPLETE
    );
  }
}

function requireNextLink(nextLink: string | undefined): string {
  if (!nextLink)
    throw ApplicationFailure.nonRetryable('D365 ended a full read without a delta link', D365_PROTOCOL_ERROR);
  return nextLink;
}

/** `yyyyMMddHHmmss` in UTC: the shared part of one transfer's chunk names. */
function batchIdOf(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
