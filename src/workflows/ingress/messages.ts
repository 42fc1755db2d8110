import { defineQuery, defineSignal } from '@temporalio/workflow';
import { type IngressCounts } from '../../sync/ingress/counts';

export { pauseSignal, resumeSignal, syncNowSignal } from '../steering';
/** Re-read every row of the table (full transfer) before the next incremental pass. */
export const replaySignal = defineSignal('replay');
/**
 * Forget the delta link and any transfer checkpoint: the next run reads the whole table again and deletes from
 * Campaign what D365 no longer has (when the mapping applies deletes).
 */
export const resetCursorSignal = defineSignal('resetCursor');
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
  /** When the delta link last moved (the end of the last transfer or applied pass): its age is the sync lag bound. */
  cursorAt?: string;
  /** The running (or last failed) initial transfer's progress. */
  transfer?: TransferProgress;
  nextRunAt?: string;
  lastError?: string;
  /** Rows waiting for a linked record that is not in Campaign yet; each pass looks at them again. */
  waiting?: number;
}

export const ingressStatusQuery = defineQuery<IngressStatus>('status');

/** Where a failed transfer resumes: after the last completed page or chunk. */
export interface TransferCheckpoint {
  /** Where to read next. */
  link: string;
  /** Chunks uploaded so far (file path). */
  fileNames: string[];
  batchId?: string;
  rowsDone: number;
  counts: IngressCounts;
  /** Rows of the pages done so far that wait for a linked record (D365 ids). */
  waiting?: string[];
}

/** How far an initial transfer is, for `status --watch` and the sandbox's progress bar (counts only). */
export interface TransferProgress {
  path: 'api' | 'file';
  /** `reading` pages or chunks, then (file path) `importing` in Campaign. */
  stage: 'reading' | 'importing';
  /** Rows D365 counted before the read (inactive ones included). */
  totalRows: number;
  rowsDone: number;
  /** Pages (API path) or chunks (file path) done. */
  chunksDone: number;
  /** Expected chunks on the file path (`ceil(totalRows / rowsPerChunk)`). */
  chunksTotal?: number;
  /** When this attempt started, and how many rows earlier attempts had done: the rate counts this attempt only. */
  startedAt: string;
  rowsAtStart: number;
  updatedAt: string;
}

/** Sent by an initial transfer to its manager: progress always, and after each page or chunk where to resume. */
export interface TransferReport {
  progress: TransferProgress;
  checkpoint?: TransferCheckpoint;
}

export const transferReportSignal = defineSignal<[TransferReport]>('transferReport');
