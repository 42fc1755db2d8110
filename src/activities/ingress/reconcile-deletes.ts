import { type DynamicsClient } from '../../connectors/dynamics';
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
/** Ids per D365 query: 50 `id eq …` clauses keep the URL near 3 KB, far below the Web API's limit. */
const IDS_PER_QUERY = 50;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * After an expired delta link forced a full re-read (which creates and updates but cannot see deletions), deletes
 * from Campaign, one listing page per call, the records whose D365 row no longer exists. Only records whose key is
 * a D365 id (a GUID) are considered; a mapping that does not apply deletes deletes nothing.
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
  if (!resolved.mapping.deletes) return { checked: 0, deleted: 0 };
  const keyField = resolved.mapping.key.to;
  const page = await resolved.target.page({ lineCount: LISTING_PAGE }, input.cursor);
  const candidates = new Map<string, string>();
  for (const record of page.content) {
    const key = record[keyField];
    if (typeof key === 'string' && GUID.test(key)) candidates.set(key.toLowerCase(), record.PKey);
  }
  const existing = await existingIds(dynamics, resolved, [...candidates.keys()]);
  let deleted = 0;
  for (const [id, pkey] of candidates) {
    if (existing.has(id)) continue;
    await resolved.target.delete(pkey);
    deleted += 1;
  }
  const more = page.nextHref !== undefined && page.content.length > 0;
  return { ...(more ? { cursor: page.nextHref } : {}), checked: candidates.size, deleted };
}

async function existingIds(dynamics: DynamicsClient, resolved: ResolvedMapping, ids: string[]): Promise<Set<string>> {
  const { entitySetName, primaryIdAttribute } = resolved.table;
  const found = new Set<string>();
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
    const filter = ids
      .slice(start, start + IDS_PER_QUERY)
      .map((id) => `${primaryIdAttribute} eq ${id}`)
      .join(' or ');
    for await (const page of dynamics.readPages(entitySetName, { select: [primaryIdAttribute], filter })) {
      for (const row of page.rows) found.add(String(row[primaryIdAttribute]).toLowerCase());
    }
  }
  return found;
}
