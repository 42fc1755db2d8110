import { type DynamicsClient, readRowsById, type Row } from '../../connectors/dynamics';
import { rowPassesFilter, webApiColumnName } from '../../sync/ingress';
import { type ResolvedMapping } from './resolve';

export interface ReconcileIngressDeletesInput {
  mapping: string;
  /** The Campaign listing's `next.href` from the previous call; absent to start. */
  cursor?: string;
}

export interface ReconcileIngressDeletesResult {
  /** Call again with this; absent when the listing is done. */
  cursor?: string;
  /** Campaign records whose key was looked up in D365. */
  checked: number;
  /** Records deleted in Campaign because D365 no longer has the row. */
  deleted: number;
}

/** Campaign records per call. */
const LISTING_PAGE = 100;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * After a full re-read (an expired delta link, `reset-cursor`, a `replay`: it creates and updates but cannot see
 * deletions), or a transfer by file (which cannot delete), deletes from Campaign, one listing page per call, the
 * records that should no longer be there: those whose D365 row is gone (`deletes`), and those whose row no longer
 * passes the mapping's filter (`filter.deleteFilteredOut`). Only records whose key is a D365 id (a GUID) are
 * considered; a mapping with neither setting deletes nothing.
 *
 * The listing continues from ACS's `next.href`. Whether ACS's `_lineStart` token is a position that shifts when
 * records before it are deleted is not documented; if it is, records may be skipped, so a workflow should run the
 * reconciliation again until a run deletes nothing.
 */
export async function reconcileIngressDeletes(
  resolved: ResolvedMapping,
  dynamics: DynamicsClient,
  input: ReconcileIngressDeletesInput
): Promise<ReconcileIngressDeletesResult> {
  const { deletes } = resolved.mapping;
  const { deleteFilteredOut } = resolved.plan;
  if (!deletes && !deleteFilteredOut) return { checked: 0, deleted: 0 };
  const keyField = resolved.mapping.key.to;
  const page = await resolved.target.page({ lineCount: LISTING_PAGE }, input.cursor);
  const candidates = new Map<string, string>();
  for (const record of page.content) {
    const key = record[keyField];
    if (typeof key === 'string' && GUID.test(key)) candidates.set(key.toLowerCase(), record.PKey);
  }
  const rows = await currentRows(dynamics, resolved, [...candidates.keys()]);
  let deleted = 0;
  for (const [id, pkey] of candidates) {
    const row = rows.get(id);
    const unwanted = row === undefined ? deletes : deleteFilteredOut && !rowPassesFilter(row, resolved.plan.filter);
    if (!unwanted) continue;
    await resolved.target.delete(pkey);
    deleted += 1;
  }
  const more = page.nextHref !== undefined && page.content.length > 0;
  return { ...(more ? { cursor: page.nextHref } : {}), checked: candidates.size, deleted };
}

/** The D365 rows of these ids that still exist, with the filter's columns, by lower-case id. */
function currentRows(dynamics: DynamicsClient, resolved: ResolvedMapping, ids: string[]): Promise<Map<string, Row>> {
  const { entitySetName, primaryIdAttribute } = resolved.table;
  const select = [
    primaryIdAttribute,
    ...(resolved.plan.filter?.rules ?? []).map((rule) => webApiColumnName(rule.column)),
  ];
  return readRowsById(dynamics, entitySetName, primaryIdAttribute, select, ids);
}
