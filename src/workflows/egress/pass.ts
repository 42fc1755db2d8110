import { workflowInfo } from '@temporalio/workflow';
import type { EgressCounts } from '../../sync/egress/counts';
import type { SkippedFile } from '../../activities/export-files/contracts';
import { sumCounts } from '../../sync/sum-counts';
import { walkExportFiles } from '../file-walk';
import { withPassRecord } from '../pass-record';
import { egressCheckpointSignal, type EgressCursor } from './messages';
import { control, sliceCall, slices } from './proxies';

export interface EgressPassInput {
  pass: number;
  cursor: EgressCursor;
  /** Event files applied at once (`egress.filesInParallel`). @default 1, as a pass of an earlier version did */
  filesInParallel?: number;
}

export interface EgressPassResult {
  cursor: EgressCursor;
  files: number;
  counts?: EgressCounts;
  /** Files set aside (unreadable) or not finished (vanished, changing), and why. */
  skippedFiles?: SkippedFile[];
}

/**
 * One egress pass: every complete event file in the source folder (those in progress first), several files at once
 * (each event is its own activity, so their order does not matter), a slice of lines per activity; a file is archived
 * only after all its activities are durable in D365, an unreadable one is set aside with its reason in the rejects
 * report. The cursor, with every file in progress, is reported to the manager after each slice.
 */
export async function egressPassWorkflow(input: EgressPassInput): Promise<EgressPassResult> {
  const tally: { counts?: EgressCounts } = {};
  return await withPassRecord(
    () => applyEventFiles(input, tally),
    () => tally.counts
  );
}

async function applyEventFiles(input: EgressPassInput, tally: { counts?: EgressCounts }): Promise<EgressPassResult> {
  const reportId = `egress-pass-${input.pass}-${workflowInfo().runId.slice(0, 8)}`;
  const walk = await walkExportFiles(
    input.cursor,
    {
      list: (listing) => control.listEventFiles(listing),
      async slice(file, start) {
        const slice = await slices.applyEventFile.executeWithOptions(sliceCall(`${file} from line ${start.fromLine}`), [
          { file, ...start, reportId },
        ]);
        tally.counts = tally.counts ? sumCounts(tally.counts, slice.counts) : slice.counts;
        return slice;
      },
      settle: (settling) => control.settleEventFile(settling),
      checkpoint: egressCheckpointSignal,
    },
    input.filesInParallel ?? 1
  );
  if ((tally.counts?.rejected ?? 0) > 0) await control.publishEgressRejects({ reportId });
  return {
    cursor: walk.cursor,
    files: walk.files,
    ...(tally.counts ? { counts: tally.counts } : {}),
    ...(walk.skipped.length > 0 ? { skippedFiles: walk.skipped } : {}),
  };
}
