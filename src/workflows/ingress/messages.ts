import { defineQuery, defineSignal } from '@temporalio/workflow';
import { type IngressCounts } from '../../sync/ingress/counts';

export { pauseSignal, resumeSignal, syncNowSignal } from '../steering';
/** Re-read every row of the table (full transfer) before the next incremental pass. */
export const replaySignal = defineSignal('replay');
/** Re-read the mapping's settings and re-run the preflight checks. */
export const reloadConfigSignal = defineSignal('reloadConfig');

export type IngressPhase = 'preflight' | 'initial-transfer' | 'waiting' | 'syncing' | 'paused' | 'failed';

export interface PassSummary {
  pass: number;
  startedAt: string;
  finishedAt: string;
  pages: number;
  counts: IngressCounts;
}

/** What `status` shows for one mapping: state, progress and the last outcome (counts only, no data). */
export interface IngressStatus {
  mapping: string;
  phase: IngressPhase;
  initialTransferDone: boolean;
  passes: number;
  lastPass?: PassSummary;
  nextRunAt?: string;
  lastError?: string;
}

export const ingressStatusQuery = defineQuery<IngressStatus>('status');

/** Sent by an initial transfer to its manager after each page or chunk, so that a failed transfer resumes there. */
export interface TransferCheckpoint {
  /** Where to read next. */
  link: string;
  /** Chunks uploaded so far (file path). */
  fileNames: string[];
  batchId?: string;
  rowsDone: number;
  counts: IngressCounts;
}

export const transferCheckpointSignal = defineSignal<[TransferCheckpoint]>('transferCheckpoint');
