import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { SkippedFile } from '../../activities/export-files/contracts';
import type { OptOutCounts } from '../../sync/optout/counts';
import type { OptOutMode } from '../../sync/optout/decide';
import { walkExportFiles, type FileWalkResult } from '../file-walk';
import { sumCounts } from '../../sync/sum-counts';
import { withPassRecord } from '../pass-record';
import { optOutFileCheckpointSignal, type OptOutFileCursor } from './messages';
import { control, sliceCall, slices } from './proxies';
import { D365_PROTOCOL_ERROR, isDeltaTokenExpiredType } from '../../sync/failure-types';

export interface OptOutPassInput {
  pass: number;
  mode: OptOutMode;
  /** Where D365's changes since the last pass are read; absent for the first pass (a full read). */
  deltaLink?: string;
  files: OptOutFileCursor;
  /** Contacts an earlier pass found without a profile (D365 ids): looked at again first. */
  pendingContacts?: string[];
}

export interface OptOutPassResult {
  /** Where the next pass reads D365's changes from; absent when it must read every contact again. */
  deltaLink?: string;
  files: OptOutFileCursor;
  /** Contacts still without a profile that ingress will write: the next pass looks at them again. */
  pendingContacts?: string[];
  counts?: OptOutCounts;
  /** Files set aside (unreadable) or not finished (vanished, changing), and why. */
  skippedFiles?: SkippedFile[];
}

/**
 * The most contact ids a pass keeps for later (about 37 bytes each in history, carried from pass to pass). With more,
 * the pass forgets its delta link instead, so that the next one reads every contact's opt-out columns again.
 */
export const MAX_PENDING_CONTACTS = 1_000;
/** Pending ids looked at per activity call. */
const REVISIT_PER_CALL = 250;

const READS_D365: ReadonlySet<OptOutMode> = new Set(['d365-to-campaign', 'bidirectional']);
const READS_CAMPAIGN: ReadonlySet<OptOutMode> = new Set(['campaign-to-d365', 'bidirectional']);

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
      let d365: D365Side = { deltaLink: input.deltaLink, pending: input.pendingContacts ?? [] };
      if (READS_D365.has(input.mode)) d365 = await syncD365Side(input, reportId, add);
      const walk = READS_CAMPAIGN.has(input.mode) ? await applyCampaignFiles(input.files, reportId, add) : undefined;
      await control.publishOptOutAudit({ reportId });
      return {
        ...(d365.deltaLink ? { deltaLink: d365.deltaLink } : {}),
        files: walk?.cursor ?? input.files,
        ...(walk && walk.skipped.length > 0 ? { skippedFiles: walk.skipped } : {}),
        ...(d365.pending.length > 0 ? { pendingContacts: d365.pending } : {}),
        ...(counts ? { counts } : {}),
      };
    },
    () => counts
  );
}

/** Where the D365 side stands after a pass: its delta link (absent: read everything next time) and pending ids. */
interface D365Side {
  deltaLink: string | undefined;
  pending: string[];
}

/**
 * The D365 side: first the contacts earlier passes found without a profile (ingress may have written it since), then
 * the contact changes since the delta link. Contacts still without a profile are kept for the next pass; when there
 * are more than {@link MAX_PENDING_CONTACTS}, the delta link is dropped instead and the next pass reads them all.
 */
async function syncD365Side(
  input: OptOutPassInput,
  reportId: string,
  add: (c: OptOutCounts) => void
): Promise<D365Side> {
  const pending = new Set<string>();
  const earlier = input.pendingContacts ?? [];
  for (let start = 0; start < earlier.length; start += REVISIT_PER_CALL) {
    const ids = earlier.slice(start, start + REVISIT_PER_CALL);
    const revisit = await slices.revisitOptOutContacts.executeWithOptions(
      sliceCall(`${ids.length} contacts without a profile`),
      [{ ids, reportId }]
    );
    add(revisit.counts);
    for (const id of revisit.missing) pending.add(id);
  }
  let overflow = false;
  let link = input.deltaLink;
  for (let pageNumber = 1; ; pageNumber++) {
    let page;
    try {
      const pendingRoom = overflow ? 0 : MAX_PENDING_CONTACTS - pending.size;
      page = await slices.syncOptOutD365Page.executeWithOptions(sliceCall(`D365 page ${pageNumber}`), [
        { ...(link ? { link } : {}), reportId, pendingRoom },
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
    for (const id of page.missing) pending.add(id);
    overflow ||= page.overflow || pending.size > MAX_PENDING_CONTACTS;
    if (page.deltaLink) {
      // Too many to keep: a full read next time finds them again, however many there are.
      return overflow ? { deltaLink: undefined, pending: [] } : { deltaLink: page.deltaLink, pending: [...pending] };
    }
    if (!page.nextLink)
      throw ApplicationFailure.nonRetryable(
        'D365 ended a change-tracking read without a delta link',
        D365_PROTOCOL_ERROR
      );
    link = page.nextLink;
  }
}

/** The Campaign side: the opt-out files in the source folder, a chunk of lines per activity (see walkExportFiles). */
async function applyCampaignFiles(
  start: OptOutFileCursor,
  reportId: string,
  add: (c: OptOutCounts) => void
): Promise<FileWalkResult> {
  return await walkExportFiles(start, {
    list: (listing) => control.listOptOutFiles(listing),
    async slice(file, start) {
      const slice = await slices.applyOptOutFile.executeWithOptions(sliceCall(`${file} from line ${start.fromLine}`), [
        { file, ...start, reportId },
      ]);
      add(slice.counts);
      return slice;
    },
    settle: (settling) => control.settleOptOutFile(settling),
    checkpoint: optOutFileCheckpointSignal,
  });
}

function isDeltaExpired(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure && isDeltaTokenExpiredType(cause.type);
}
