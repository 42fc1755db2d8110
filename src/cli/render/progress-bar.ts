import type { TransferProgress } from '../../workflows/ingress/messages';
import { formatCount, formatDuration } from './durations';

/** Characters of the bar itself. */
const BAR_WIDTH = 24;

/** Rate and time left of a transfer, from this attempt's rows only (a resumed transfer starts its clock again). */
export interface TransferEstimate {
  percent: number;
  /** Rows per second; undefined until some rows are done and time has passed. */
  rowsPerSecond?: number;
  /** Milliseconds left at the current rate; undefined without a rate. */
  etaMs?: number;
}

export function estimateTransfer(progress: TransferProgress): TransferEstimate {
  const total = Math.max(progress.totalRows, progress.rowsDone);
  const percent = total === 0 ? 100 : Math.min(100, (progress.rowsDone / total) * 100);
  const elapsedMs = Date.parse(progress.updatedAt) - Date.parse(progress.startedAt);
  const rowsThisAttempt = progress.rowsDone - progress.rowsAtStart;
  if (!(elapsedMs > 0) || rowsThisAttempt <= 0) return { percent };
  const rowsPerSecond = (rowsThisAttempt / elapsedMs) * 1_000;
  return { percent, rowsPerSecond, etaMs: ((total - progress.rowsDone) / rowsPerSecond) * 1_000 };
}

/**
 * One line for a running initial transfer:
 * `[##########--------------]  42% 5,040 / 12,000 rows · chunk 3/6 · 1,250 rows/s · ETA 5s`.
 * While Campaign imports the files, the bar is full and the line says so.
 */
export function renderTransferProgress(progress: TransferProgress): string {
  const estimate = estimateTransfer(progress);
  const filled = Math.round((estimate.percent / 100) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const unit = progress.path === 'file' ? 'chunk' : 'page';
  const parts = [
    `${bar} ${estimate.percent.toFixed(0).padStart(3)}% ${formatCount(progress.rowsDone)} / ${formatCount(progress.totalRows)} rows`,
    `${unit} ${progress.chunksDone}${progress.chunksTotal ? `/${progress.chunksTotal}` : ''}`,
  ];
  if (progress.stage === 'importing') {
    parts.push('Campaign is importing the files');
  } else if (estimate.rowsPerSecond !== undefined && estimate.etaMs !== undefined) {
    parts.push(`${formatCount(estimate.rowsPerSecond)} rows/s`);
    if (estimate.percent < 100) parts.push(`ETA ${formatDuration(estimate.etaMs)}`);
  } else {
    parts.push('starting');
  }
  return parts.join(' · ');
}
