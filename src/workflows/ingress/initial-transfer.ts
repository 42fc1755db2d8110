import { ApplicationFailure, getExternalWorkflowHandle, sleep, workflowInfo } from '@temporalio/workflow';
import type { IngressSettings } from '../../activities/ingress/settings';
import { addCounts, ZERO_COUNTS, type IngressCounts } from '../../sync/ingress/counts';
import { control, pages } from './proxies';
import { transferCheckpointSignal, type TransferCheckpoint } from './messages';

export interface InitialTransferInput {
  mapping: string;
  settings: IngressSettings;
  /** Resume here (a transfer that failed earlier) instead of starting from the first row. */
  checkpoint?: TransferCheckpoint;
  /**
   * After the read, delete from Campaign what D365 no longer has: needed when the delta token expired, since the
   * deletes in between were never seen.
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
}

/**
 * Copies every row (inactive ones included) once: through the API at or under the file threshold, else as gzip CSV
 * chunks on the Campaign SFTP imported by a Campaign workflow. Reports a checkpoint to its manager after each page or
 * chunk, so that a failed transfer resumes from the last completed one.
 */
export async function initialTransferWorkflow(input: InitialTransferInput): Promise<InitialTransferResult> {
  const { rows } = await control.countSourceRows({ mapping: input.mapping });
  const useFiles = rows > input.settings.fileThreshold;
  if (useFiles && !input.settings.canUseFiles) {
    throw ApplicationFailure.nonRetryable(
      `${input.mapping}: ${rows} rows is over initialTransfer.fileThreshold (${input.settings.fileThreshold}); ` +
        'set initialTransfer.importWorkflow to the Campaign import workflow, or raise the threshold.',
      'IngressConfigError'
    );
  }
  const result = useFiles ? await transferByFiles(input) : await transferByApi(input);
  if (result.counts.rejected > 0)
    await control.publishRejectsReport({ mapping: input.mapping, reportId: reportIdOf(input) });
  if (input.reconcileDeletes) {
    const deleted = await deleteWhatD365NoLongerHas(input.mapping);
    result.counts = addCounts(result.counts, { ...ZERO_COUNTS, deleted });
  }
  return result;
}

/**
 * Walks Campaign's records page by page, deleting those whose key D365 no longer has. Repeated until a walk deletes
 * nothing, since whether Campaign's page cursor shifts under deletes is not documented.
 */
async function deleteWhatD365NoLongerHas(mapping: string): Promise<number> {
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

async function transferByApi(input: InitialTransferInput): Promise<InitialTransferResult> {
  const reportId = reportIdOf(input);
  let link = input.checkpoint?.link;
  let counts = input.checkpoint?.counts ?? { ...ZERO_COUNTS };
  let pageCount = 0;
  for (;;) {
    const page = await pages.syncIngressPage({ mapping: input.mapping, mode: 'full', link, reportId });
    pageCount += 1;
    counts = addCounts(counts, page.counts);
    if (page.deltaLink) return { path: 'api', deltaLink: page.deltaLink, pages: pageCount, fileNames: [], counts };
    link = requireNextLink(page.nextLink);
    await reportCheckpoint({ link, fileNames: [], rowsDone: counts.read, counts });
  }
}

async function transferByFiles(input: InitialTransferInput): Promise<InitialTransferResult> {
  const reportId = reportIdOf(input);
  const batchId = input.checkpoint?.batchId ?? batchIdOf(workflowInfo().startTime);
  const fileNames = [...(input.checkpoint?.fileNames ?? [])];
  let link = input.checkpoint?.link;
  let counts = input.checkpoint?.counts ?? { ...ZERO_COUNTS };
  let deltaLink: string | undefined;
  while (deltaLink === undefined) {
    const chunk = await pages.writeIngressChunk({
      mapping: input.mapping,
      batchId,
      chunkNumber: fileNames.length + 1,
      link,
      reportId,
    });
    fileNames.push(chunk.fileName);
    counts = addCounts(counts, chunk.counts);
    deltaLink = chunk.deltaLink;
    if (deltaLink === undefined) {
      link = requireNextLink(chunk.nextLink);
      await reportCheckpoint({ link, fileNames, batchId, rowsDone: counts.read, counts });
    }
  }
  await control.startCampaignImport({ mapping: input.mapping, fileNames });
  await waitForCampaignImport(input.mapping, input.settings.importTimeoutMs);
  const { rejected } = await control.collectImportRejects({ mapping: input.mapping, fileNames, reportId });
  await checkImportedCount(input.mapping, counts.read - counts.filteredOut - counts.rejected - rejected);
  counts = addCounts(counts, { ...ZERO_COUNTS, rejected });
  return { path: 'file', deltaLink, pages: fileNames.length, fileNames, counts };
}

/** Polls the Campaign import workflow, backing off from 5 s to 1 min, until it finishes, fails or times out. */
async function waitForCampaignImport(mapping: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 5_000; ; delayMs = Math.min(delayMs * 2, 60_000)) {
    const status = await control.getCampaignImportStatus({ mapping });
    if (status.finished) return;
    if (status.failed) {
      throw ApplicationFailure.nonRetryable(
        `the Campaign import workflow of ${mapping} ended in state ${status.state}; check it in Campaign, then retry the transfer`,
        'CampaignImportFailed'
      );
    }
    if (Date.now() >= deadline) {
      throw ApplicationFailure.nonRetryable(
        `the Campaign import workflow of ${mapping} did not finish within initialTransfer.importTimeout; ` +
          'check it in Campaign, then retry the transfer (the uploaded chunks are kept)',
        'CampaignImportTimeout'
      );
    }
    await sleep(delayMs);
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
      'CampaignImportIncomplete'
    );
  }
}

async function reportCheckpoint(checkpoint: TransferCheckpoint): Promise<void> {
  const parent = workflowInfo().parent;
  if (parent)
    await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(transferCheckpointSignal, checkpoint);
}

function requireNextLink(nextLink: string | undefined): string {
  if (!nextLink)
    throw ApplicationFailure.nonRetryable('D365 ended a full read without a delta link', 'IngressProtocolError');
  return nextLink;
}

/** `yyyyMMddHHmmss` in UTC: the shared part of one transfer's chunk names. */
function batchIdOf(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
