import { upsertMemo } from '@temporalio/workflow';
import { keepSkippedFiles, type SkippedFile, type SkippedFileNote } from '../sync/skipped-files';
import type { ManagerState } from './manager-loop';

/** A pass's summary as a manager shows it: its number, counts and end. */
export interface PassSummary {
  pass: number;
  counts: object;
  finishedAt: string;
}

/** What the manager of an export-folder flow (egress, opt-out) keeps of its passes, next to its cursors. */
export interface FileFlowManagerState<P extends PassSummary> extends ManagerState {
  lastPass?: P;
  /** The last files passes set aside or left, and why. */
  skippedFiles?: SkippedFileNote[];
}

/** The part of the status that says what the last passes did (absent fields stay absent). */
export function passResultFields<P extends PassSummary>(
  state: FileFlowManagerState<P>
): Pick<FileFlowManagerState<P>, 'lastPass' | 'skippedFiles'> {
  return {
    ...(state.lastPass ? { lastPass: state.lastPass } : {}),
    ...(state.skippedFiles ? { skippedFiles: state.skippedFiles } : {}),
  };
}

/**
 * Keeps what a pass did once its cursors are in the state: its summary, when the cursor moved, the files it skipped
 * (with the ones before, bounded), and the counts in the memo for the Temporal UI.
 */
export function keepPassResult<P extends PassSummary>(
  state: FileFlowManagerState<P>,
  lastPass: P,
  skipped: readonly SkippedFile[] | undefined
): void {
  state.lastPass = lastPass;
  state.cursorAt = new Date().toISOString();
  state.skippedFiles = keepSkippedFiles(state.skippedFiles, lastPass.pass, skipped, state.cursorAt);
  upsertMemo({ passes: lastPass.pass, lastPass: lastPass.counts });
}
