import { type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'csv-parse';

/** The failure type of a file whose header lacks a required column or whose CSV cannot be parsed: a person must look. */
export const OPT_OUT_FILE_MALFORMED = 'OptOutFileMalformed';
/** The failure type of a gzip file that ends early: still being written; retried later (docs/campaign-files.md). */
export const OPT_OUT_FILE_INCOMPLETE = 'OptOutFileIncomplete';

export const REQUIRED_COLUMNS = ['externalId', 'attribute', 'value', 'changedAt'] as const;
type Column = (typeof REQUIRED_COLUMNS)[number];

/** One change line, by column name; `number` is the CSV record number (header = 1). */
export interface ChangeLine {
  number: number;
  fields: Record<Column, string>;
}

export interface FileChunk {
  lines: ChangeLine[];
  /** The record number of the first line after this chunk; absent when the file ends here. */
  nextLine?: number;
}

/**
 * Reads up to `maxLines` change lines starting at record `fromLine`, streaming the file (gzip when the name ends in
 * `.gz`) and stopping after the chunk, so one chunk is in memory at a time. Columns are found by name.
 */
export async function readFileChunk(
  open: () => Promise<Readable>,
  file: string,
  fromLine: number,
  maxLines: number
): Promise<FileChunk> {
  const source = await open();
  const text = file.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  if (text !== source) source.once('error', (error) => text.destroy(error));
  const parser = text.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  text.once('error', (error) => parser.destroy(error));
  const lines: ChangeLine[] = [];
  let columns: Record<Column, number> | undefined;
  let number = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      number += 1;
      if (!columns) {
        columns = headerColumns(file, record);
        continue;
      }
      if (number < fromLine) continue;
      if (lines.length === maxLines) return { lines, nextLine: number };
      const found = columns;
      lines.push({
        number,
        fields: Object.fromEntries(REQUIRED_COLUMNS.map((name) => [name, record[found[name]] ?? ''])) as Record<
          Column,
          string
        >,
      });
    }
  } catch (error) {
    throw readFailure(file, error);
  } finally {
    parser.destroy();
    source.destroy();
  }
  return { lines };
}

function headerColumns(file: string, header: string[]): Record<Column, number> {
  const missing = REQUIRED_COLUMNS.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `the opt-out file ${file} has no column ${missing.join(', ')}; its header must name ${REQUIRED_COLUMNS.join(', ')} (docs/campaign-files.md)`,
      OPT_OUT_FILE_MALFORMED
    );
  }
  return Object.fromEntries(REQUIRED_COLUMNS.map((name) => [name, header.indexOf(name)])) as Record<Column, number>;
}

function readFailure(file: string, error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') {
    return ApplicationFailure.create({
      message: `the opt-out file ${file} is not a complete gzip stream (${code}); it is read again on a later attempt`,
      type: OPT_OUT_FILE_INCOMPLETE,
      cause: error instanceof Error ? error : undefined,
    });
  }
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    return ApplicationFailure.create({
      message: `the opt-out file ${file} is not valid CSV (${code}: ${(error as Error).message})`,
      type: OPT_OUT_FILE_MALFORMED,
      nonRetryable: true,
      cause: error as Error,
    });
  }
  return error;
}
