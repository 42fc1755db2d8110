import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ingressMappingOf } from '../temporal/flow-ids';

/** One rejects report of a flow, as `rejects --json` prints it (schema: `rejectsReportSchema`). */
export interface RejectsReportSummary {
  name: string;
  path: string;
  modifiedAt: string;
  /** Lines in the report (a record rejected for two fields has two lines). */
  lines: number;
  /** Distinct record keys (ingress) or event ids (egress). */
  records: number;
  /** How often each reason occurred, most frequent first. Reasons never contain record values. */
  reasons: { reason: string; count: number }[];
}

/** Where the worker writes a flow's rejects reports (see `RejectsReport`, `EgressRejectsReport`). */
export function rejectsFolder(reportsFolder: string, flow: string): string {
  const mapping = ingressMappingOf(flow);
  return resolve(mapping ? join(reportsFolder, 'ingress', mapping) : join(reportsFolder, flow));
}

/** The flow's reports not yet re-driven, newest first. */
export async function listRejectsReports(folder: string): Promise<RejectsReportSummary[]> {
  const names = await readdir(folder).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const reports = await Promise.all(
    names.filter((name) => name.endsWith('.csv')).map((name) => summarize(join(folder, name), name))
  );
  return reports.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
}

/** The report's rows as the worker wrote them (keys, fields, reasons; never values). */
export async function readRejectsRows(path: string): Promise<Record<string, string>[]> {
  return parse<Record<string, string>>(await readFile(path, 'utf8'), { columns: true, skip_empty_lines: true });
}

async function summarize(path: string, name: string): Promise<RejectsReportSummary> {
  const [rows, info] = await Promise.all([readRejectsRows(path), stat(path)]);
  const reasons = new Map<string, number>();
  for (const row of rows) reasons.set(row.reason ?? '', (reasons.get(row.reason ?? '') ?? 0) + 1);
  return {
    name,
    path,
    modifiedAt: info.mtime.toISOString(),
    lines: rows.length,
    records: new Set(rows.map((row) => row.key ?? row.eventId ?? '')).size,
    reasons: [...reasons.entries()]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
