import { type Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { numberedCsvRecords } from '../../sync/csv-records';
import { exportFileText, readFailure } from '../export-files';
import { OPT_OUT_FILE_INCOMPLETE } from '../../sync/failure-types';

export const REQUIRED_COLUMNS = ['externalId', 'attribute', 'value', 'changedAt'] as const;
type Column = (typeof REQUIRED_COLUMNS)[number];

/** One change line, by column name, or why it cannot be read; `number` is the line it starts on (header = 1). */
export type ChangeLine = { number: number; fields: Record<Column, string> } | { number: number; malformed: string };

export interface FileChunk {
  lines: ChangeLine[];
  /** The line of the first record after this chunk; absent when the file ends here. */
  nextLine?: number;
  /** The file cannot be read (from this line on): no header columns, corrupt gzip. The lines before are good. */
  unreadable?: { line: number; reason: string };
}

/**
 * Reads up to `maxLines` change lines starting at line `fromLine`, streaming the file (gzip when the name ends in
 * `.gz`) and stopping after the chunk, so one chunk is in memory at a time. Columns are found by name; a malformed
 * line is returned with its reason and reading goes on at the next record.
 */
export async function readFileChunk(
  open: () => Promise<Readable>,
  file: string,
  fromLine: number,
  maxLines: number,
  modifiedAt?: number
): Promise<FileChunk> {
  const source = await open();
  const text = exportFileText(source, file);
  const lines: ChangeLine[] = [];
  let columns: Record<Column, number> | undefined;
  try {
    for await (const record of numberedCsvRecords(text)) {
      if (!columns) {
        const missing = REQUIRED_COLUMNS.filter((name) => !record.fields.includes(name));
        if (missing.length > 0) {
          return { lines: [], unreadable: { line: 1, reason: `the header lacks the columns: ${missing.join(', ')}` } };
        }
        columns = Object.fromEntries(REQUIRED_COLUMNS.map((name) => [name, record.fields.indexOf(name)])) as Record<
          Column,
          number
        >;
        continue;
      }
      if (record.line < fromLine) continue;
      if (lines.length === maxLines) return { lines, nextLine: record.line };
      if (record.malformed) {
        lines.push({ number: record.line, malformed: record.malformed });
        continue;
      }
      const found = columns;
      lines.push({
        number: record.line,
        fields: Object.fromEntries(REQUIRED_COLUMNS.map((name) => [name, record.fields[found[name]] ?? ''])) as Record<
          Column,
          string
        >,
      });
    }
  } catch (error) {
    const failure = readFailure(error, modifiedAt, Date.now());
    if (failure?.kind === 'incomplete') {
      throw ApplicationFailure.retryable(`${file} ends early: not completely written yet`, OPT_OUT_FILE_INCOMPLETE);
    }
    if (!failure) throw error;
    const line = (lines.at(-1)?.number ?? fromLine - 1) + 1;
    return { lines, unreadable: { line, reason: failure.reason } };
  } finally {
    text.destroy();
    source.destroy();
  }
  return columns ? { lines } : { lines, unreadable: { line: 1, reason: 'the file is empty' } };
}
