import { ApplicationFailure, getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import type { OptOutCounts } from '../../activities/optout/contracts';
import { sumCounts } from '../../sync/sum-counts';
import { withPassRecord } from '../pass-record';
import { optOutFileCheckpointSignal, type OptOutFileCursor } from './messages';
import { control, sliceCall, slices } from './proxies';

export interface OptOutPassInput {
  pass: number;
  mode: string;
  /** Where D365's changes since the last pass are read; absent for the first pass (a full read). */
  deltaLink?: string;
  files: OptOutFileCursor;
}

export interface OptOutPassResult {
  deltaLink?: string;
  files: OptOutFileCursor;
  counts?: OptOutCounts;
}

const READS_D365 = new Set(['d365-to-campaign', 'bidirectional']);
const READS_CAMPAIGN = new Set(['campaign-to-d365', 'bidirectional']);

/**
 * One opt-out pass: the D365 side (contact changes, reconciled with their profiles) and the Campaign side (the opt-out
 * export files, reconciled with their contacts), as the mode asks. Each decision follows the configured rule and writes
 * only where the two systems differ, so that nothing echoes back.
 */
export async function optOutPassWorkflow(input: OptOutPassInput): Promise<OptOutPassResult> {
  let counts: OptOutCounts | undefined;
  const add = (more: OptOutCounts): void => void (counts = counts ? sumCounts(counts, more) : more);
  return await withPassRecord(
    async () => {
      const reportId = `optout-pass-${input.pass}-${workflowInfo().runId.slice(0, 8)}`;
      let deltaLink = input.deltaLink;
      if (READS_D365.has(input.mode)) deltaLink = await syncD365Side(deltaLink, reportId, add);
      const files = READS_CAMPAIGN.has(input.mode) ? await applyCampaignFiles(input.files, reportId, add) : input.files;
      await control.publishOptOutAudit({ reportId });
      return { ...(deltaLink ? { deltaLink } : {}), files, ...(counts ? { counts } : {}) };
    },
    () => counts
  );
}

async function syncD365Side(
  start: string | undefined,
  reportId: string,
  add: (c: OptOutCounts) => void
): Promise<string> {
  let link = start;
  for (let pageNumber = 1; ; pageNumber++) {
    let page;
    try {
      page = await slices.syncOptOutD365Page.executeWithOptions(sliceCall(`D365 page ${pageNumber}`), [
        { ...(link ? { link } : {}), reportId },
      ]);
    } catch (err) {
      // D365 forgot the cursor: read every contact's opt-out columns again (decisions are idempotent).
      if (link !== undefined && isDeltaExpired(err)) {
        link = undefined;
        continue;
      }
      throw err;
    }
    add(page.counts);
    if (page.deltaLink) return page.deltaLink;
    if (!page.nextLink) throw ApplicationFailure.nonRetryable('D365 ended a change-tracking read without a delta link');
    link = page.nextLink;
  }
}

async function applyCampaignFiles(
  start: OptOutFileCursor,
  reportId: string,
  add: (c: OptOutCounts) => void
): Promise<OptOutFileCursor> {
  const cursor: OptOutFileCursor = { ...start };
  const files = new Set<string>();
  if (cursor.inProgress) files.add(cursor.inProgress.file);
  const { files: listed } = await control.listOptOutFiles(cursor.lastFile ? { after: cursor.lastFile } : {});
  for (const file of listed) files.add(file);
  for (const file of files) {
    let fromLine = cursor.inProgress?.file === file ? cursor.inProgress.nextLine : 2;
    for (;;) {
      const slice = await slices.applyOptOutFile.executeWithOptions(sliceCall(`${file} from line ${fromLine}`), [
        { file, fromLine, reportId },
      ]);
      add(slice.counts);
      if (slice.nextLine === undefined) break;
      fromLine = slice.nextLine;
      cursor.inProgress = { file, nextLine: fromLine };
      await reportCursor(cursor);
    }
    await control.archiveOptOutFile({ file });
    cursor.lastFile = file;
    delete cursor.inProgress;
    await reportCursor(cursor);
  }
  return cursor;
}

async function reportCursor(cursor: OptOutFileCursor): Promise<void> {
  const parent = workflowInfo().parent;
  if (parent)
    await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(optOutFileCheckpointSignal, cursor);
}

function isDeltaExpired(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure && cause.type === 'OptOutDeltaTokenExpired';
}
