import { type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { numberedCsvRecords } from '../../sync/csv-records';

/** A gzip file that ends early is taken for one still being written for this long after its last change. */
export const INCOMPLETE_GRACE_MS = 10 * 60_000;

/** The text of an export file, unzipped when its name ends in `.gz`; an error of the raw stream fails the text too. */
export function exportFileText(raw: Readable, file: string): Readable {
  if (!file.endsWith('.gz')) return raw;
  const text = raw.pipe(createGunzip());
  raw.once('error', (error) => text.destroy(error));
  return text;
}

/**
 * The header's fields of a plain CSV export file, read from its start, and the stream closed after them: a slice that
 * resumes at a byte starts after the header. Undefined when the file is empty.
 */
export async function headerFields(stream: Readable): Promise<string[] | undefined> {
  try {
    const first = await numberedCsvRecords(stream).next();
    return first.done ? undefined : first.value.fields;
  } finally {
    stream.destroy();
  }
}

/**
 * What a read failure says about the file: `corrupt` (it will never read: rejected whole), `incomplete` (a gzip
 * stream that ends early: still being written while young, corrupt once it has not changed for
 * {@link INCOMPLETE_GRACE_MS}), or undefined (not the file's fault, e.g. the connection: retried).
 */
export function readFailure(
  error: unknown,
  modifiedAt: number | undefined,
  now: number
): { kind: 'corrupt'; reason: string } | { kind: 'incomplete' } | undefined {
  // Duck-typed: zlib's errors may come from another realm than this module's `Error`.
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'Z_DATA_ERROR') return { kind: 'corrupt', reason: 'the file is not valid gzip data (Z_DATA_ERROR)' };
  if (code === 'Z_BUF_ERROR') {
    if (modifiedAt === undefined || now - modifiedAt < INCOMPLETE_GRACE_MS) return { kind: 'incomplete' };
    const minutes = INCOMPLETE_GRACE_MS / 60_000;
    return { kind: 'corrupt', reason: `the gzip data ends early and the file has not changed for ${minutes} minutes` };
  }
  return undefined;
}
