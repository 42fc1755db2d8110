import { appendFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { csvLine } from '../../sync/csv-write';

/**
 * One line of the opt-out audit: ids, attribute names, booleans and reasons only (opt-out flags and their times are
 * not contact data; names and e-mail addresses never appear).
 */
export interface AuditRow {
  /** The D365 contact id (= the profile's externalId), or the key text of a malformed file line. */
  key: string;
  /** The Campaign attribute (configuration name, e.g. `denyListEmail`), or the file's text when unknown. */
  attribute: string;
  /** The written side's value before; empty when nothing was written. */
  old: string;
  /** The value written; empty when nothing was written. */
  new: string;
  /** `campaign`, `d365` or `none`. */
  winner: string;
  reason: string;
}

const HEADER = 'key,attribute,old,new,winner,reason\n';
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The CSV of one pass: `<folder>/optout/<reportId>.csv`. Rows are appended once per page or file chunk, after its
 * writes; a repeated chunk appends again, so a record may be listed twice, never missed.
 */
export class OptOutAudit {
  readonly file: string;

  constructor(folder: string, reportId: string) {
    if (!SAFE_NAME.test(reportId))
      throw new TypeError(`reportId must be letters, digits, '.', '_' or '-' (it names a file)`);
    this.file = join(folder, 'optout', `${reportId}.csv`);
  }

  async append(rows: readonly AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    const exists = await stat(this.file).then(
      (info) => info.size > 0,
      () => false
    );
    const lines = rows.map((row) => csvLine([row.key, row.attribute, row.old, row.new, row.winner, row.reason]));
    await appendFile(this.file, (exists ? '' : HEADER) + lines.join(''), 'utf8');
  }
}
