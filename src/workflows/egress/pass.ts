import { getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import type { EgressCounts } from '../../activities/egress/contracts';
import { sumCounts } from '../../sync/sum-counts';
import { withPassRecord } from '../pass-record';
import { egressCheckpointSignal, type EgressCursor } from './messages';
import { control, sliceCall, slices } from './proxies';

export interface EgressPassInput {
  pass: number;
  cursor: EgressCursor;
}

export interface EgressPassResult {
  cursor: EgressCursor;
  files: number;
  counts?: EgressCounts;
}

/**
 * One egress pass: every complete event file after the cursor, in order, a slice of lines per activity; a file is
 * archived only after all its activities are durable in D365. The cursor is reported to the manager after each slice.
 */
export async function egressPassWorkflow(input: EgressPassInput): Promise<EgressPassResult> {
  const tally: { counts?: EgressCounts } = {};
  return await withPassRecord(
    () => applyNewEventFiles(input, tally),
    () => tally.counts
  );
}

async function applyNewEventFiles(input: EgressPassInput, tally: { counts?: EgressCounts }): Promise<EgressPassResult> {
  const reportId = `egress-pass-${input.pass}-${workflowInfo().runId.slice(0, 8)}`;
  const cursor: EgressCursor = { ...input.cursor };
  const files = new Set<string>();
  if (cursor.inProgress) files.add(cursor.inProgress.file);
  const { files: listed } = await control.listEventFiles(cursor.lastFile ? { after: cursor.lastFile } : {});
  for (const file of listed) files.add(file);

  for (const file of files) {
    const resumed = cursor.inProgress?.file === file ? cursor.inProgress : undefined;
    let from = { fromLine: resumed?.nextLine ?? 2, fromByte: resumed?.nextByte };
    for (;;) {
      const slice = await slices.applyEventFile.executeWithOptions(sliceCall(`${file} from line ${from.fromLine}`), [
        { file, ...from, reportId },
      ]);
      tally.counts = tally.counts ? sumCounts(tally.counts, slice.counts) : slice.counts;
      if (slice.nextLine === undefined) break;
      from = { fromLine: slice.nextLine, fromByte: slice.nextByte };
      cursor.inProgress = { file, nextLine: slice.nextLine, ...(slice.nextByte ? { nextByte: slice.nextByte } : {}) };
      await reportCursor(cursor);
    }
    await control.archiveEventFile({ file });
    cursor.lastFile = file;
    delete cursor.inProgress;
    await reportCursor(cursor);
  }
  if ((tally.counts?.rejected ?? 0) > 0) await control.publishEgressRejects({ reportId });
  return { cursor, files: files.size, ...(tally.counts ? { counts: tally.counts } : {}) };
}

async function reportCursor(cursor: EgressCursor): Promise<void> {
  const parent = workflowInfo().parent;
  if (parent) await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(egressCheckpointSignal, cursor);
}
