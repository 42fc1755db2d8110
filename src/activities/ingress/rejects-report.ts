import { appendFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { csvLine } from '../../sync/csv-write';

/** One rejected record: never the value itself (it may be personal data), only what kind of value it was. */
export interface RejectRow {
  /** The record's D365 key; empty when the key itself was missing. */
  key: string;
  /** The D365 column or Campaign field at fault, or `(record)` for the whole record. */
  field: string;
  /** `string`, `number`, `boolean`, `null`, `object`, `array` or `absent`; empty when no one column is at fault. */
  valueKind: string;
  reason: string;
}

const HEADER = 'key,field,valueKind,reason\n';
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The CSV of one pass's rejected records: `<folder>/ingress/<mapping>/<reportId>.csv`. Rows are appended once per
 * page, after the page's writes; a retried page appends its rejects again, so a report may list a record twice
 * (same key and reason), never miss one.
 */
export class RejectsReport {
  readonly file: string;

  constructor(folder: string, mapping: string, reportId: string) {
    for (const [what, name] of [
      ['mapping', mapping],
      ['reportId', reportId],
    ] as const) {
      if (!SAFE_NAME.test(name))
        throw new TypeError(`${what} must be letters, digits, '.', '_' or '-' (it names a file)`);
    }
    this.file = join(folder, 'ingress', mapping, `${reportId}.csv`);
  }

  async append(rows: readonly RejectRow[]): Promise<void> {
    if (rows.length === 0) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    const exists = await stat(this.file).then(
      (info) => info.size > 0,
      () => false
    );
    const lines = rows.map((row) => csvLine([row.key, row.field, row.valueKind, row.reason]));
    await appendFile(this.file, (exists ? '' : HEADER) + lines.join(''), 'utf8');
  }
}

/** The kind of a D365 value, for the report. */
export function valueKind(value: unknown): string {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
