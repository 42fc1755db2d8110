import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { type DynamicsClient, type Row } from '../../connectors/dynamics';
import { type IngressMode, webApiColumnName } from '../../sync/ingress';
import { forEachBounded } from '../bounded';
import { type IngressCounts, ZERO_COUNTS } from './contracts';
import { type ProfileLinks } from './profile-links';
import { type ResourceLinks } from './resource-links';
import { type RejectRow, RejectsReport } from './rejects-report';
import { type ResolvedMapping } from './resolve';
import { addOutcome, applyRow, keepWaiting } from './sync-page';
import { deleteByKey } from './write-record';

export interface RedriveIngressRejectsInput {
  mapping: string;
  /** The report's file name under `<reports.folder>/ingress/<mapping>/`, e.g. `contacts-pass-3-1a2b3c4d.csv`. */
  report: string;
  /** Names the report of the records still rejected. */
  reportId: string;
}

export interface RedriveIngressRejectsResult {
  /** Distinct keys in the report (lines without a key cannot be re-driven). */
  keys: number;
  unkeyed: number;
  counts: IngressCounts;
}

/** Keys per D365 query (`contactid eq … or …`): keeps the URL well under D365's length limit. */
export const KEYS_PER_QUERY = 50;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.csv$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RedriveContext {
  resolved: ResolvedMapping;
  dynamics: DynamicsClient;
  concurrency: number;
  reportsFolder: string;
  profileLinks(): ProfileLinks;
  resourceLinks(): ResourceLinks;
  heartbeat?: (keysDone: number) => void;
}

/**
 * Re-drives the records of one rejects report after a fix: reads each key's current row from D365 and applies it as a
 * full transfer would (writes by key, so a record that made it meanwhile is left unchanged); a key D365 no longer has
 * is deleted from Campaign when the mapping applies deletes. Records still refused go to a new report; the old one is
 * renamed `*.redriven` so that it is not re-driven twice.
 */
export async function redriveIngressRejects(
  context: RedriveContext,
  input: RedriveIngressRejectsInput
): Promise<RedriveIngressRejectsResult> {
  if (!SAFE_NAME.test(input.report)) {
    throw new TypeError(`report must be the file name of a rejects report (name.csv), not a path: ${input.report}`);
  }
  const file = join(context.reportsFolder, 'ingress', input.mapping, input.report);
  // A retried activity may find the report already renamed: re-driving it again is harmless (writes by key).
  const text = await readFile(file, 'utf8').catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    return readFile(`${file}.redriven`, 'utf8');
  });
  const lines = parse<{ key?: string }>(text, { columns: true, skip_empty_lines: true });
  const keyed = lines.filter((line) => isUsableKey(context.resolved, line.key));
  const keys = [...new Set(keyed.map((line) => line.key ?? ''))];
  const counts = await redriveKeys(context, keys, { mode: 'full', reportId: input.reportId });
  await rename(file, `${file}.redriven`).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return { keys: keys.length, unkeyed: lines.length - keyed.length, counts };
}

/**
 * Reads each key's current row from D365 and applies it as a pass would (writes by key; a key D365 no longer has is
 * deleted from Campaign when the mapping applies deletes). `full` writes every mapped field, as a replay; `incremental`
 * leaves `applyUpdates: false` fields of existing records alone, as a pass. Records still refused go to the rejects
 * report `reportId`. A record waiting for a linked record is added to `waiting.keys` while it has room, else rejected.
 */
export async function redriveKeys(
  context: RedriveContext,
  keys: readonly string[],
  options: { mode: IngressMode; reportId: string; waiting?: { keys: string[]; room: number } }
): Promise<IngressCounts> {
  const counts: IngressCounts = { ...ZERO_COUNTS };
  const rejects: RejectRow[] = [];
  const waiting = options.waiting ?? { keys: [], room: 0 };
  const scope = {
    resolved: context.resolved,
    links: context.profileLinks(),
    resourceLinks: context.resourceLinks(),
    mode: options.mode,
  };
  for (let start = 0; start < keys.length; start += KEYS_PER_QUERY) {
    const batch = keys.slice(start, start + KEYS_PER_QUERY);
    const rows = await readRowsByKey(context.resolved, context.dynamics, batch);
    counts.read += batch.length;
    await forEachBounded(batch, context, async (key) => {
      const row = rows.get(key.toLowerCase());
      if (!row) {
        if (context.resolved.mapping.deletes && (await deleteByKey(context.resolved, key))) counts.deleted += 1;
        return;
      }
      const outcome = keepWaiting(await applyRow(scope, row), waiting.keys, waiting.room);
      addOutcome(counts, outcome);
      if (outcome.kind === 'rejected') rejects.push(...outcome.rejects);
    });
    context.heartbeat?.(start + batch.length);
  }
  await new RejectsReport(context.reportsFolder, context.resolved.mapping.name, options.reportId).append(rejects);
  return counts;
}

/** A key the report can be re-driven by: a GUID for a primary key, any non-empty text for an alternate key. */
function isUsableKey(resolved: ResolvedMapping, key: string | undefined): boolean {
  if (!key) return false;
  return resolved.plan.key.column.type === 'Uniqueidentifier' ? GUID.test(key) : true;
}

/** An OData literal for a key value: GUIDs bare, text quoted with `'` doubled. */
function keyLiteral(resolved: ResolvedMapping, key: string): string {
  return resolved.plan.key.column.type === 'Uniqueidentifier' ? key : `'${key.replace(/'/g, "''")}'`;
}

/**
 * The current D365 rows of these keys (at most {@link KEYS_PER_QUERY}), by lower-cased key, with the mapping's
 * columns and `extraColumns`.
 */
export async function readRowsByKey(
  resolved: ResolvedMapping,
  dynamics: DynamicsClient,
  keys: readonly string[],
  extraColumns: readonly string[] = []
): Promise<Map<string, Row>> {
  const { plan, table } = resolved;
  const keyColumn = webApiColumnName(plan.key.column);
  const rows = new Map<string, Row>();
  // A key that cannot be a D365 id (e.g. a Campaign record's externalId typed by hand) has no row: not asked for.
  const usable = keys.filter((key) => isUsableKey(resolved, key));
  if (usable.length === 0) return rows;
  const pages = dynamics.readPages(table.entitySetName, {
    select: [...new Set([...plan.select, ...extraColumns])],
    filter: usable.map((key) => `${keyColumn} eq ${keyLiteral(resolved, key)}`).join(' or '),
    includeAnnotations: 'OData.Community.Display.V1.FormattedValue',
  });
  for await (const page of pages) {
    for (const row of page.rows) rows.set(String(row[keyColumn]).toLowerCase(), row);
  }
  return rows;
}
