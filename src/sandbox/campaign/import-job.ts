import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Readable, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AcsError } from './acs-error';
import { paceImport } from './cost';
import { csvLine, parseCsv } from './csv';
import { type CampaignStore, type ResourceTable, type UnreconciledLinks } from './record-store';

export interface ImportJobSpec {
  table: ResourceTable;
  /** Reconciliation key fields (Update data "insert or update"). */
  keyFields: string[];
  /** Folder the file names are relative to. */
  folder: string;
  /** Folder that receives one `<name>_rejects.csv` per imported file. */
  rejectsFolder: string;
  /** Column separator. @default ',' */
  separator?: string;
  /** Fault hook: the reason to refuse the row with this key (joined key fields), or undefined to import it. */
  refuse?: (key: string) => string | undefined;
  /** Time each record takes the import (the cost model), in ms. @default 0 */
  msPerRecord?: number;
  /** A row whose link matches no record: rejected (the documented workflow), or kept. @default 'reject' */
  unreconciledLinks?: UnreconciledLinks;
}

export interface ImportReport {
  files: string[];
  processed: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Rejects files written, relative to the rejects folder. */
  rejectsFiles: string[];
}

/** Lets a running import honour pause and stop commands between rows. */
export interface ImportControl {
  stopped(): boolean;
  paused(): boolean;
  /** Resolves once the workflow is no longer paused. */
  whilePaused(): Promise<void>;
}

export const REJECTS_HEADER = ['recordNumber', 'key', 'errorCode', 'errorMessage'];

/**
 * The import workflow's work: for each file, Load file (CSV with a header row, `.gz` decompressed) →
 * Update data (insert or update by key) → rejects file. Streams row by row.
 */
export async function runImport(
  store: CampaignStore,
  spec: ImportJobSpec,
  fileNames: string[],
  control: ImportControl,
  report: ImportReport = emptyImportReport()
): Promise<ImportReport> {
  await mkdir(spec.rejectsFolder, { recursive: true });
  for (const fileName of fileNames) {
    if (control.stopped()) break;
    if (fileName === '' || fileName !== basename(fileName) || fileName.startsWith('.')) {
      throw new Error(`'${fileName}' is not a plain file name in the import folder`);
    }
    const rejectsName = `${fileName.replace(/\.gz$/, '').replace(/\.(csv|txt|tsv)$/, '')}_rejects.csv`;
    await importFile(store, spec, fileName, rejectsName, report, control);
    report.files.push(fileName);
    report.rejectsFiles.push(rejectsName);
  }
  return report;
}

/** A report with zero counts; `runImport` updates it as it goes, so progress can be watched. */
export function emptyImportReport(): ImportReport {
  return { files: [], processed: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, rejectsFiles: [] };
}

async function importFile(
  store: CampaignStore,
  spec: ImportJobSpec,
  fileName: string,
  rejectsName: string,
  report: ImportReport,
  control: ImportControl
): Promise<void> {
  const input: Readable = createReadStream(join(spec.folder, fileName));
  const source = fileName.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  input.on('error', (error) => source.destroy(error));
  const partPath = join(spec.rejectsFolder, `${rejectsName}.part`);
  const rejects = createWriteStream(partPath, { encoding: 'utf8' });
  let writeError: Error | undefined;
  // Kept to be rethrown on the next write; without a listener a late write error would crash the process.
  rejects.on('error', (error) => (writeError ??= error));
  let complete = false;
  try {
    await write(rejects, csvLine(REJECTS_HEADER));
    let header: string[] | undefined;
    let recordNumber = 0;
    const startedAt = Date.now();
    const processedBefore = report.processed;
    for await (const row of parseCsv(source, spec.separator ?? ',')) {
      recordNumber += 1;
      if (!header) {
        header = row.map((name) => name.trim());
        const missing = spec.keyFields.filter((field) => !header?.includes(field));
        if (missing.length > 0) throw new Error(`${fileName}: the header has no key column ${missing.join(', ')}`);
        continue;
      }
      if (row.length === 1 && row[0] === '') continue;
      // Let the HTTP server answer now and then; honour pause and stop before every row.
      if (recordNumber % 500 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        await paceImport(startedAt, report.processed - processedBefore, spec.msPerRecord ?? 0);
      }
      if (control.paused()) await control.whilePaused();
      if (control.stopped()) break;
      report.processed += 1;
      const key = spec.keyFields.map((field) => row[header?.indexOf(field) ?? -1] ?? '').join('|');
      try {
        if (row.length !== header.length) {
          throw new AcsError(400, 'IMP-000001', `expected ${header.length} columns, found ${row.length}`);
        }
        const refusal = spec.refuse?.(key);
        if (refusal !== undefined) throw new AcsError(400, 'IMP-000002', refusal);
        const cells = Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']));
        const outcome = store.upsertByKey(
          spec.table,
          spec.keyFields,
          store.changesFromText(spec.table.model, cells, spec.unreconciledLinks)
        );
        report[outcome] += 1;
      } catch (error) {
        if (!(error instanceof AcsError)) throw error;
        report.rejected += 1;
        await write(rejects, csvLine([recordNumber, key, error.code ?? String(error.status), error.text]));
      }
    }
    await new Promise<void>((resolve, reject) =>
      rejects.end((error?: Error | null) => (error ? reject(error) : resolve()))
    );
    if (writeError) throw writeError;
    await rename(partPath, join(spec.rejectsFolder, rejectsName));
    complete = true;
  } finally {
    rejects.destroy();
    input.destroy();
    if (!complete) await rm(partPath, { force: true });
  }
}

/** Writes with backpressure; `once` rejects if the stream fails while waiting for `drain`. */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
