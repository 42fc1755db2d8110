import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EgressCounts } from '../../sync/egress/counts';
import type { FileCursor } from '../file-walk';
import type { SkippedFileNote } from '../../sync/skipped-files';

export { pauseSignal, resumeSignal, syncNowSignal } from '../steering';

/** The egress cursor: the last file settled, and how far the file being applied got. */
export type EgressCursor = FileCursor;

export const egressCheckpointSignal = defineSignal<[EgressCursor]>('egressCheckpoint');

export interface EgressStatus {
  phase: 'waiting' | 'applying' | 'paused';
  passes: number;
  cursor: EgressCursor;
  lastPass?: { pass: number; files: number; counts: EgressCounts; finishedAt: string };
  /** When the cursor last moved (a pass applied what it read). */
  cursorAt?: string;
  nextRunAt?: string;
  lastError?: string;
  /** The latest files set aside or left unfinished, and why (newest last). */
  skippedFiles?: SkippedFileNote[];
}

export const egressStatusQuery = defineQuery<EgressStatus>('status');
