import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sumCounts } from '../../sync/sum-counts';
import { type EgressCounts, ZERO_EGRESS_COUNTS } from '../../sync/egress/counts';
import { type ApplyEventFileInput, type ApplyEventFileResult } from './contracts';

export interface RedriveEgressRejectsInput {
  /** The report's file name under `<reports.folder>/egress/`, e.g. `egress-pass-3-1a2b3c4d.csv`. */
  report: string;
  /** Names the report of the events still rejected. */
  reportId: string;
}

export interface RedriveEgressRejectsResult {
  /** Event lines re-applied. */
  lines: number;
  /** Report lines about a whole file (its header), which a re-drive cannot fix. */
  wholeFile: number;
  counts: EgressCounts;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.csv$/;

/**
 * Re-drives the events of one egress rejects report after a fix (e.g. the contact now exists in D365): each listed
 * line is read again from its event file (in `processed/`) and applied as a pass would, keyed by event id, so an event
 * that made it meanwhile is not duplicated. Events still refused go to a new report; the old one is renamed
 * `*.redriven`.
 */
export async function redriveEgressRejects(
  reportsFolder: string,
  applyEventFile: (input: ApplyEventFileInput) => Promise<ApplyEventFileResult>,
  input: RedriveEgressRejectsInput
): Promise<RedriveEgressRejectsResult> {
  if (!SAFE_NAME.test(input.report)) {
    throw new TypeError(`report must be the file name of a rejects report (name.csv), not a path: ${input.report}`);
  }
  const file = join(reportsFolder, 'egress', input.report);
  // A retried activity may find the report already renamed: applying it again is harmless (keyed by event id).
  const text = await readFile(file, 'utf8').catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    return readFile(`${file}.redriven`, 'utf8');
  });
  const rows = parse<{ file: string; line: string }>(text, { columns: true, skip_empty_lines: true });
  const linesByFile = new Map<string, Set<number>>();
  let wholeFile = 0;
  for (const row of rows) {
    const line = Number(row.line);
    if (!(line > 1)) {
      wholeFile += 1;
      continue;
    }
    linesByFile.set(row.file, (linesByFile.get(row.file) ?? new Set()).add(line));
  }
  let counts: EgressCounts = { ...ZERO_EGRESS_COUNTS };
  let lines = 0;
  for (const [eventFile, numbers] of linesByFile) {
    const sorted = [...numbers].sort((a, b) => a - b);
    const result = await applyEventFile({
      file: eventFile,
      fromLine: sorted[0] ?? 2,
      reportId: input.reportId,
      lines: sorted,
    });
    counts = sumCounts(counts, result.counts);
    lines += sorted.length;
  }
  await rename(file, `${file}.redriven`).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return { lines, wholeFile, counts };
}
