import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EgressCounts } from '../../activities/egress/contracts';

export { pauseSignal, resumeSignal, syncNowSignal } from '../steering';

/** The egress cursor: the last fully applied file, and how far the file being applied got. */
export interface EgressCursor {
  lastFile?: string;
  /** `nextByte`: where `nextLine` starts in a plain CSV file, so the next call reads from there. */
  inProgress?: { file: string; nextLine: number; nextByte?: number };
}

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
}

export const egressStatusQuery = defineQuery<EgressStatus>('status');
