import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OptOutCounts } from '../../activities/optout/contracts';

export { pauseSignal, resumeSignal, syncNowSignal } from '../steering';

/** Where the Campaign → D365 side is: the last fully applied file, and how far the current one got. */
export interface OptOutFileCursor {
  lastFile?: string;
  inProgress?: { file: string; nextLine: number };
}

export const optOutFileCheckpointSignal = defineSignal<[OptOutFileCursor]>('optOutFileCheckpoint');

export interface OptOutStatus {
  mode: string;
  phase: 'waiting' | 'syncing' | 'paused';
  passes: number;
  lastPass?: { pass: number; counts: OptOutCounts; finishedAt: string };
  /** When the cursor last moved (a pass applied what it read). */
  cursorAt?: string;
  nextRunAt?: string;
  lastError?: string;
}

export const optOutStatusQuery = defineQuery<OptOutStatus>('status');
