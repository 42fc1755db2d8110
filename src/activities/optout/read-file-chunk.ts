import { type Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { numberedCsvRecords } from '../../sync/csv-records';
import { exportFileText, headerFields, readFailure } from '../export-files';
import { OPT_OUT_FILE_INCOMPLETE } from '../../sync/failure-types';

export const REQUIRED_COLUMNS = ['externalId', 'attribute', 'value', 'changedAt'] as const;
type Column = (typeof REQUIRED_COLUMNS)[number];

/** One change line, by column name, or why it cannot be read; `number` is the line it starts on (header = 1). */
export type ChangeLine = { number: number; fields: Record<Column, string> } | { number: number; malformed: string };

export interface FileChunk {
  lines: ChangeLine[];
  /** The line of the first record after this chunk; absent when the file ends here. */
  nextLine?: number;
  /** Where `nextLine` starts, in a plain CSV file. */
  nextByte?: number;
  /** The file cannot be read (from this line on): no header columns, corrupt gzip. The lines before are good. */
  unreadable?: { line: number; reason: string };
}

/** Where a chunk starts: its first line, and in a plain CSV file the byte that line starts at, when known. */
export interface ChunkStart {
  fromLine: number;
  fromByte?: number;
}

/**
 * Reads up to `maxLines` change lines starting at line `fromLine`, streaming the file (gzip when the name ends in
 * `.gz`) and stopping after the chunk, so one chunk is in memory at a time. In a plain CSV file the chunk starts at
 * `fromByte` when given (after reading the header), so a long file is not read again from its start for every
 * chunk; `nextByte` says where the next one starts. Columns are found by name; a malformed line is returned with
 * its reason and reading goes on at the next record.
 */
export async function readFileChunk(
  open: (start?: number) => Promise<Readable>,
  file: string,
  start: ChunkStart,
  maxLines: number,
  modifiedAt?: number
): Promise<FileChunk> {
  const { fromLine } = start;
  const seekable = !file.endsWith('.gz');
  const resumeAt = seekable && start.fromByte ? { byte: start.fromByte, line: fromLine } : undefined;
  const header = resumeAt ? ((await headerFields(await open())) ?? []) : undefined;
  const source = await open(resumeAt?.byte);
  const text = exportFileText(source, file);
  const lines: ChangeLine[] = [];
  let columns: Record<Column, number> | undefined;
  const columnsOf = (fields: string[]): Record<Column, number> | FileChunk => {
    const missing = REQUIRED_COLUMNS.filter((name) => !fields.includes(name));
    if (missing.length > 0) {
      return { lines: [], unreadable: { line: 1, reason: `the header lacks the columns: ${missing.join(', ')}` } };
    }
    return Object.fromEntries(REQUIRED_COLUMNS.map((name) => [name, fields.indexOf(name)])) as Record<Column, number>;
  };
  try {
    if (header) {
      const found = columnsOf(header);
      if ('lines' in found) return found;
      columns = found;
    }
    for await (const record of numberedCsvRecords(text, resumeAt, header ? { fieldCount: header.length } : {})) {
      if (!columns) {
        const found = columnsOf(record.fields);
        if ('lines' in found) return found;
        columns = found;
        continue;
      }
      if (record.line < fromLine) continue;
      if (lines.length === maxLines) {
        return { lines, nextLine: record.line, ...(seekable ? { nextByte: record.start } : {}) };
      }
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
