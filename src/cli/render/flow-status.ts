import type { FlowReport } from '../commands/status';
import type { TransferProgress } from '../../workflows/ingress/messages';
import type { SkippedFileNote } from '../../sync/skipped-files';
import { formatAge, formatDuration } from './durations';
import { renderTransferProgress } from './progress-bar';

/** Skipped export files listed by `status` (the manager keeps 20; `--json` has them all). */
const SKIPPED_SHOWN = 5;

/**
 * The lines `status` prints for one flow: its execution state, then what its manager says of itself (phase, passes,
 * cursor age, next run), the last pass and its counts, the export files skipped lately and why, an initial transfer's
 * progress bar, and the last error.
 */
export function renderFlowStatus(flow: FlowReport, now: number): string[] {
  const head = `${flow.workflowId.padEnd(28)} ${flow.status.padEnd(12)}`;
  if (flow.status === 'NOT_STARTED') return [`${head} start it: acs-d365 start ${flow.workflowId}`];
  if (!flow.detail) {
    const closed = flow.closedAt ? `closed ${formatAge(flow.closedAt, now)}` : '';
    const hint = flow.status === 'RUNNING' ? '' : ` · resume it: acs-d365 retry ${flow.workflowId}`;
    return [`${head} ${closed}${hint}`.trimEnd()];
  }
  const detail = flow.detail;
  if (typeof detail.unavailable === 'string') return [head, `    state unknown: ${detail.unavailable}`];
  const summary = [`phase ${String(detail.phase)}`, `${Number(detail.passes ?? 0)} passes`];
  if (typeof detail.mode === 'string') summary.push(`mode ${detail.mode}`);
  if (typeof detail.cursorAt === 'string') summary.push(`cursor moved ${formatAge(detail.cursorAt, now)}`);
  if (typeof detail.waiting === 'number') summary.push(`${detail.waiting} rows wait for a linked record`);
  if (typeof detail.nextRunAt === 'string') {
    summary.push(`next run in ${formatDuration(Math.max(0, Date.parse(detail.nextRunAt) - now))}`);
  }
  const lines = [`${head} ${summary.join(' · ')}`];
  const lastPass = detail.lastPass as
    { pass?: number; counts?: Record<string, number>; finishedAt?: string } | undefined;
  if (lastPass?.counts) {
    const finished = lastPass.finishedAt ? ` (${formatAge(lastPass.finishedAt, now)})` : '';
    lines.push(`    last pass ${lastPass.pass ?? '?'}${finished}: ${describeCounts(lastPass.counts)}`);
  }
  const skipped = (detail.skippedFiles ?? []) as SkippedFileNote[];
  if (skipped.length > SKIPPED_SHOWN)
    lines.push(`    ${skipped.length - SKIPPED_SHOWN} earlier skipped files (see --json)`);
  for (const note of skipped.slice(-SKIPPED_SHOWN)) {
    lines.push(`    skipped ${note.file} (pass ${note.pass}, ${formatAge(note.at, now)}): ${note.reason}`);
  }
  const transfer = detail.transfer as TransferProgress | undefined;
  if (transfer) lines.push(`    initial transfer ${renderTransferProgress(transfer)}`);
  if (typeof detail.lastError === 'string') {
    // A configuration problem lists one problem per line: each under the error, indented.
    const [first, ...more] = detail.lastError.split('\n');
    lines.push(`    last error: ${first}`, ...more.map((line) => `      ${line.trim()}`));
  }
  return lines;
}

/** `read 12, created 2, updated 9, rejected 0`: every count, in the order the flow reports them. */
export function describeCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
}
