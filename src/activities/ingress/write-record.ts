import { type AcsFields, CampaignApiError, CampaignDuplicateKeyError, changedFields } from '../../connectors/campaign';
import { type RejectRow } from './rejects-report';
import { type ResolvedMapping } from './resolve';

/** What happened to one row or tombstone of a page. */
export type RowOutcome =
  | { kind: 'created' | 'updated' | 'unchanged' }
  | { kind: 'deleted'; count: number }
  | { kind: 'filteredOut'; deleted: boolean }
  | { kind: 'rejected'; rejects: RejectRow[] }
  /** A link's record is not in Campaign yet: nothing was written; a later pass looks at the row again. */
  | { kind: 'waiting'; key: string; waitingFor: string[] };

/** Statuses that mean "this record cannot be written as it is", not "Campaign is unwell" (which the page retries). */
const RECORD_REFUSED = new Set([400, 409, 412, 422]);

/** Fields ready to write, or why the record cannot be written. */
export type RecordFields = { ok: true; fields: AcsFields } | { ok: false; reasons: string[] };

/** Fields to create with, or why not: refused (`reasons`), or waiting for a linked record (`waitingFor`). */
export type CreateFields = RecordFields | { ok: false; waitingFor: string[] };

/**
 * Upserts one record by key. An existing record gets a PATCH of the changed fields among `values` (nothing when none
 * changed); a missing one is created from `forCreate()` (every mapped field). A create whose answer was lost is not
 * repeated blindly: the connector's upsert looks the key up again first.
 */
export async function writeRecord(
  resolved: ResolvedMapping,
  key: string,
  values: AcsFields,
  forCreate: () => Promise<CreateFields>
): Promise<
  | { kind: 'created' | 'updated' | 'unchanged' }
  | { kind: 'rejected'; reasons: string[] }
  | { kind: 'waiting'; waitingFor: string[] }
> {
  const { target, mapping } = resolved;
  const existing = await target.findByKey({ [mapping.key.to]: key });
  if (existing) {
    const changes = changedFields(existing, values, [mapping.key.to]);
    if (Object.keys(changes).length === 0) return { kind: 'unchanged' };
    await target.patch(existing.PKey, changes);
    return { kind: 'updated' };
  }
  const full = await forCreate();
  if (!full.ok) {
    return 'waitingFor' in full
      ? { kind: 'waiting', waitingFor: full.waitingFor }
      : { kind: 'rejected', reasons: full.reasons };
  }
  try {
    await target.create(full.fields);
  } catch (error) {
    if (!(error instanceof CampaignApiError) || !error.retryable) throw error;
    await target.upsertByKey(full.fields);
  }
  return { kind: 'created' };
}

/** Deletes the record with this key; `false` when Campaign has none (already gone is not an error). */
export async function deleteByKey(resolved: ResolvedMapping, key: string): Promise<boolean> {
  const existing = await resolved.target.findByKey({ [resolved.mapping.key.to]: key });
  if (!existing) return false;
  await resolved.target.delete(existing.PKey);
  return true;
}

/**
 * The rejects-report reason for an error that only this record hit (Campaign refused its values, or its key is not
 * unique in Campaign); `undefined` for anything else, which fails the page so the activity is retried. Campaign's own
 * message is left out: it may quote the value.
 */
export function rowFailure(error: unknown): string | undefined {
  if (error instanceof CampaignDuplicateKeyError) {
    return `(record): ${error.matches} Campaign records have this key; the key must be unique`;
  }
  if (error instanceof CampaignApiError && error.status !== undefined && RECORD_REFUSED.has(error.status)) {
    return `(record): Campaign refused the write (${error.call}: HTTP ${error.status}${error.code ? ` ${error.code}` : ''})`;
  }
  return undefined;
}
