import { appendFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { csvLine } from '../../sync/csv-write';

/** One rejected event or line: where it is and why, never a value from it (it may be personal data). */
export interface EgressReject {
  file: string;
  line: number;
  /** Empty when the line has no usable event id. */
  eventId: string;
  reason: string;
}

const HEADER = 'file,line,eventId,reason\n';
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The CSV of rejected events, `<folder>/egress/<reportId>.csv`, appended once per call. A retried call appends its
 * rejects again, so a line may be listed twice, never missed.
 */
export class EgressRejectsReport {
  readonly file: string;

  constructor(folder: string, reportId: string) {
    if (!SAFE_NAME.test(reportId))
      throw new TypeError(`reportId must be letters, digits, '.', '_' or '-' (it names a file)`);
    this.file = join(folder, 'egress', `${reportId}.csv`);
  }

  /** Appends after every append of this process to the same report, so that only the first writes the header. */
  append(rows: readonly EgressReject[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const appended = (appending.get(this.file) ?? Promise.resolve()).then(() => this.appendNow(rows));
    const settled = appended.catch(() => undefined);
    appending.set(this.file, settled);
    void settled.then(() => appending.get(this.file) === settled && appending.delete(this.file));
    return appended;
  }

  private async appendNow(rows: readonly EgressReject[]): Promise<void> {
    await mkdir(join(this.file, '..'), { recursive: true });
    const exists = await stat(this.file).then(
      (info) => info.size > 0,
      () => false
    );
    const lines = rows.map((row) => csvLine([row.file, String(row.line), row.eventId, row.reason]));
    await appendFile(this.file, (exists ? '' : HEADER) + lines.join(''), 'utf8');
  }
}

/** The last append to each report file in this process: slices of several files of one pass append to one report. */
const appending = new Map<string, Promise<unknown>>();
