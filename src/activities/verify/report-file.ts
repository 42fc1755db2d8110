import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { csvLine } from '../../sync/csv-write';
import { parse } from 'csv-parse/sync';
import { DRIFT_CATEGORIES, type DriftCategory, type DriftedKey } from '../../sync/verify';

const HEADER = 'category,key,fields\n';
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The full list of one scope's drifted keys: `<reports.folder>/verify/<verifyId>/<scope>.csv` with the category, the
 * key and the names of the differing fields (never values). `--repair` and the workflow's repair read it back.
 */
export class VerifyReport {
  readonly file: string;
  private started = false;

  constructor(folder: string, verifyId: string, scope: string) {
    if (!SAFE_ID.test(verifyId)) throw new TypeError(`verifyId must be letters, digits, '.', '_' or '-'`);
    this.file = verifyReportPath(folder, verifyId, scope);
  }

  async append(keys: readonly DriftedKey[]): Promise<void> {
    if (keys.length === 0) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    // The first write replaces the file: a retried activity writes its report again, whole.
    const text = keys.map((key) => csvLine([key.category, key.key, (key.fields ?? []).join(' ')])).join('');
    if (this.started) await appendFile(this.file, text, 'utf8');
    else await writeFile(this.file, HEADER + text, 'utf8');
    this.started = true;
  }
}

/** Where a scope's report goes: `ingress:contacts` → `ingress-contacts.csv`. */
export function verifyReportPath(folder: string, verifyId: string, scope: string): string {
  return join(folder, 'verify', verifyId, `${scope.replace(/[^A-Za-z0-9._-]/g, '-')}.csv`);
}

/** The drifted keys of a report (an absent report: none). */
export async function readVerifyReport(file: string): Promise<DriftedKey[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const rows = parse<{ category: string; key: string; fields: string }>(text, {
    columns: true,
    skip_empty_lines: true,
  });
  return rows
    .filter((row): row is { category: DriftCategory; key: string; fields: string } =>
      (DRIFT_CATEGORIES as readonly string[]).includes(row.category)
    )
    .map((row) => ({
      key: row.key,
      category: row.category,
      ...(row.fields ? { fields: row.fields.split(' ') } : {}),
    }));
}
