import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OptOutCounts } from '../../sync/optout/counts';
import type { OptOutMode } from '../../sync/optout/decide';
import type { FileCursor } from '../file-walk';
import type { SkippedFileNote } from '../../sync/skipped-files';

export { pauseSignal, resumeSignal, syncNowSignal } from '../steering';

/** Where the Campaign → D365 side is: the last file settled, and how far the current one got. */
export type OptOutFileCursor = FileCursor;

export const optOutFileCheckpointSignal = defineSignal<[OptOutFileCursor]>('optOutFileCheckpoint');

export interface OptOutStatus {
  mode: OptOutMode;
  phase: 'waiting' | 'syncing' | 'paused';
  passes: number;
  lastPass?: { pass: number; counts: OptOutCounts; finishedAt: string };
  /** When the cursor last moved (a pass applied what it read). */
  cursorAt?: string;
  nextRunAt?: string;
  lastError?: string;
  /** The latest files set aside or left unfinished, and why (newest last). */
  skippedFiles?: SkippedFileNote[];
}

export const optOutStatusQuery = defineQuery<OptOutStatus>('status');
