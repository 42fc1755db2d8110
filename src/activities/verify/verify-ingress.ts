import { CampaignDuplicateKeyError, changedFields, parseAcsDate } from '../../connectors/campaign';
import { DeltaTokenExpiredError, type DynamicsClient } from '../../connectors/dynamics';
import { type CampaignValue, mapRecord, webApiColumnName } from '../../sync/ingress';
import {
  type CampaignNow,
  type ComparedField,
  type D365Now,
  type DriftedKey,
  IngressTally,
  ingressVerdict,
  recordDigest,
  type SourceKind,
  type VerifyScopeResult,
  type VerifyTiming,
} from '../../sync/verify';
import { forEachBounded } from '../bounded';
import { KEYS_PER_QUERY, readRowsByKey } from '../ingress/redrive';
import { type ResolvedMapping } from '../ingress/resolve';
import { LinkKeys } from './link-keys';
import { VerifyReport } from './report-file';
import { scopeResult, type VerifyProgress } from './scope-result';

/** Asks D365 for choice labels with the rows (`picklists: label`), as the flow does. */
const FORMATTED_VALUES = 'OData.Community.Display.V1.FormattedValue';
const MODIFIED_ON = 'modifiedon';
/** Campaign records per listing page. */
const CAMPAIGN_PAGE = 500;
const HEARTBEAT_EVERY = 1000;

export interface VerifyIngressContext {
  resolved: ResolvedMapping;
  dynamics: DynamicsClient;
  /** Rows per D365 page (`dynamics.pageSize`). */
  pageSize: number;
  /** Campaign reads at once during the re-check (`campaign.maxConcurrentRequests`). */
  concurrency: number;
  reportsFolder: string;
  /** The mappings its links point to (links to custom resources are compared by the linked record's key). */
  linkedMapping: (name: string) => Promise<ResolvedMapping>;
  progress?: (progress: VerifyProgress) => void;
  signal?: AbortSignal;
}

export interface VerifyScopeInput {
  verifyId: string;
  timing: VerifyTiming;
  /** The ingress flow's stored delta link (`VerifyScope.unappliedSince`). */
  unappliedSince?: string;
  /** Rows the flow keeps waiting for a linked record (`VerifyScope.waitingKeys`). */
  waitingKeys?: string[];
}

/**
 * Verifies one ingress mapping: one pass over the D365 table keeps a digest per key of the record the mapping would
 * write (the flow's own `mapRecord`), then the Campaign listing streams by and is checked against it; every key that
 * looks different is then re-read from both systems and judged with the writer's own comparison, so that records
 * changed meanwhile are counted apart. Memory grows with the number of keys, never with records.
 *
 * Compared: the fields the flow keeps updated. Fields with `applyUpdates: false` are written at creation and replay
 * only (Campaign owns them afterwards), and links to profile are resolved by the writer: neither is compared. A link
 * to another custom resource is compared by the key of the record it points to (the D365 id of the lookup).
 */
export async function verifyIngressMapping(
  context: VerifyIngressContext,
  input: VerifyScopeInput
): Promise<VerifyScopeResult> {
  const { resolved } = context;
  const { plan, mapping } = resolved;
  const compared = comparedFields(resolved);
  const normalize = keyNormalizer(resolved);
  const tally = new IngressTally({ deletes: mapping.deletes, deleteFilteredOut: plan.deleteFilteredOut });
  const links = new LinkKeys(resolved, context.linkedMapping);
  let unkeyedRows = 0;
  let done = 0;
  const beat = (step: string) => {
    done += 1;
    if (done % HEARTBEAT_EVERY === 0) context.progress?.({ step, done });
    if (context.signal?.aborted) throw context.signal.reason ?? new Error('the activity was cancelled');
  };

  for await (const page of context.dynamics.readPages(resolved.table.entitySetName, {
    select: [...plan.select],
    pageSize: context.pageSize,
    includeAnnotations: FORMATTED_VALUES,
  })) {
    for (const row of page.rows) {
      const mapped = mapRecord(row, plan, 'incremental');
      if (mapped.key === null) unkeyedRows += 1;
      else if (mapped.kind === 'write')
        tally.addSource(normalize(mapped.key), 'expected', recordDigest(lowerLinks(resolved, mapped.values), compared));
      else tally.addSource(normalize(mapped.key), mapped.kind === 'filtered-out' ? 'filteredOut' : 'rejected');
      beat('d365');
    }
  }
  done = 0;
  for await (const record of resolved.target.list({ lineCount: CAMPAIGN_PAGE })) {
    const key = record[mapping.key.to];
    const text = typeof key === 'string' || typeof key === 'number' ? String(key) : '';
    tally.addTarget(text === '' ? undefined : normalize(text), recordDigest(await links.translate(record), compared));
    beat('campaign');
  }

  const { candidates, counts } = tally.finish();
  const unapplied = await keysNotYetApplied(context, input.unappliedSince, normalize);
  for (const key of input.waitingKeys ?? []) unapplied.add(normalize(key));
  const recheck = { agree: 0, changed: 0, pending: 0 };
  const drifted: DriftedKey[] = [];
  const keys = candidates.map((candidate) => candidate.key);
  for (let start = 0; start < keys.length; start += KEYS_PER_QUERY) {
    const batch = keys.slice(start, start + KEYS_PER_QUERY);
    const rows = await readRowsByKey(resolved, context.dynamics, batch, [MODIFIED_ON]);
    await forEachBounded(batch, context, async (key) => {
      const row = rows.get(key.toLowerCase());
      const d365 = row ? d365Now(resolved, row) : { now: { kind: 'absent' as const } };
      const campaign = await campaignNow(resolved, key, d365.desired, compared, links);
      const rules = { deletes: mapping.deletes, deleteFilteredOut: plan.deleteFilteredOut };
      const judged = ingressVerdict(d365.now, campaign, rules, input.timing);
      // A change the flow's cursor has not reached yet (a delete above all: D365 keeps no time for it) is its work.
      const verdict = judged.kind === 'drift' && unapplied.has(normalize(key)) ? { kind: 'pending' as const } : judged;
      if (verdict.kind === 'drift') {
        drifted.push({ key, category: verdict.category, ...(verdict.fields ? { fields: verdict.fields } : {}) });
      } else recheck[verdict.kind] += 1;
    });
    context.progress?.({ step: 'recheck', done: start + batch.length });
  }
  return scopeResult(
    `ingress:${mapping.name}`,
    {
      ...counts,
      agree: counts.agree + recheck.agree,
      unkeyedRows,
      changedDuringVerify: recheck.changed,
      pending: recheck.pending,
    },
    drifted,
    new VerifyReport(context.reportsFolder, input.verifyId, `ingress:${mapping.name}`)
  );
}

/**
 * The keys D365 changed or deleted after the flow's stored delta link: what its next pass will apply. Empty without a
 * link, or when D365 no longer knows it (then the quiet period alone decides what is pending).
 */
async function keysNotYetApplied(
  context: VerifyIngressContext,
  link: string | undefined,
  normalize: (key: string) => string
): Promise<Set<string>> {
  const keys = new Set<string>();
  if (!link) return keys;
  const { resolved } = context;
  const keyColumn = webApiColumnName(resolved.plan.key.column);
  try {
    for await (const page of context.dynamics.readChanges(resolved.table.entitySetName, {
      select: [keyColumn],
      pageSize: context.pageSize,
      startLink: link,
    })) {
      for (const row of page.upserts) {
        const key = row[keyColumn];
        if (typeof key === 'string' || typeof key === 'number') keys.add(normalize(String(key)));
      }
      for (const tombstone of page.deletes) keys.add(normalize(tombstone.id));
    }
  } catch (error) {
    if (!(error instanceof DeltaTokenExpiredError)) throw error;
  }
  return keys;
}

/** The fields verify compares: those the flow keeps updated, links to profile left out. */
export function comparedFields(resolved: ResolvedMapping): ComparedField[] {
  return resolved.plan.fields
    .filter((planned) => planned.applyUpdates && !resolved.profileLinks.includes(planned.field.name))
    .map((planned) => ({ name: planned.field.name, type: planned.field.type }));
}

/** D365 ids compare without case (Dataverse writes them lower-case); other keys as they are. */
function keyNormalizer(resolved: ResolvedMapping): (key: string) => string {
  return resolved.plan.key.column.type === 'Uniqueidentifier' ? (key) => key.toLowerCase() : (key) => key;
}

function d365Now(
  resolved: ResolvedMapping,
  row: Record<string, unknown>
): { now: D365Now; desired?: Record<string, CampaignValue> } {
  const modifiedOn = typeof row[MODIFIED_ON] === 'string' ? row[MODIFIED_ON] : null;
  const mapped = mapRecord(row, resolved.plan, 'incremental');
  const kind: SourceKind =
    mapped.kind === 'write' ? 'expected' : mapped.kind === 'filtered-out' ? 'filteredOut' : 'rejected';
  return { now: { kind, modifiedOn }, ...(mapped.kind === 'write' ? { desired: mapped.values } : {}) };
}

async function campaignNow(
  resolved: ResolvedMapping,
  key: string,
  desired: Record<string, CampaignValue> | undefined,
  compared: readonly ComparedField[],
  links: LinkKeys
): Promise<CampaignNow> {
  try {
    const found = await resolved.target.findByKey({ [resolved.mapping.key.to]: key });
    if (!found) return { kind: 'none' };
    const record = await links.translate(found);
    const wanted = Object.fromEntries(
      compared
        .filter((field) => desired && field.name in desired)
        .map((field) => [field.name, desired ? (lowerLinks(resolved, desired)[field.name] ?? null) : null])
    );
    const lastModified = acsTime(record.lastModified);
    return { kind: 'one', differing: Object.keys(changedFields(record, wanted)), lastModified };
  } catch (error) {
    if (error instanceof CampaignDuplicateKeyError) return { kind: 'several', count: error.matches };
    throw error;
  }
}

/** The values with each link to a custom resource's D365 id lower-cased (as {@link LinkKeys} gives the keys). */
function lowerLinks(resolved: ResolvedMapping, values: Record<string, CampaignValue>): Record<string, CampaignValue> {
  if (resolved.resourceLinks.length === 0) return values;
  const lowered = { ...values };
  for (const { field } of resolved.resourceLinks) {
    const value = lowered[field];
    if (typeof value === 'string') lowered[field] = value.toLowerCase();
  }
  return lowered;
}

/** An ACS time as ISO 8601, or null when absent or unreadable. */
export function acsTime(value: unknown): string | null {
  return typeof value === 'string' ? (parseAcsDate(value)?.toISOString() ?? null) : null;
}
