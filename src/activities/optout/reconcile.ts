import {
  type AcsRecord,
  CampaignDuplicateKeyError,
  parseAcsDate,
  type ResourceClient,
} from '../../connectors/campaign';
import { type DynamicsClient, type Row } from '../../connectors/dynamics';
import { decideOptOut, type OptOutMode, type OptOutSide } from '../../sync/optout';
import { type AuditRow } from './audit-report';
import { ContactUpdates } from './contact-updates';
import { type OptOutCounts, ZERO_OPT_OUT_COUNTS } from './contracts';
import { MODIFIED_ON, type OptOutPair } from './settings';

/** One pair of one record as both systems hold it now. */
export interface PairState {
  pair: OptOutPair;
  d365: OptOutSide;
  campaign: OptOutSide;
}

/** Where one record lives on each side. */
export interface RecordTarget {
  /** The D365 contact id, which is also the profile's `externalId`. */
  contactId: string;
  /** The profile's PKey. */
  pkey: string;
}

export interface ReconcileScope {
  mode: OptOutMode;
  profiles: ResourceClient;
  counts: OptOutCounts;
  audit: AuditRow[];
  /** The call's D365 writes, batched: flush them before the call returns. */
  updates: ContactUpdates;
}

/** A scope with zero counts, an empty audit and no D365 write queued yet. */
export function reconcileScope(mode: OptOutMode, dynamics: DynamicsClient, profiles: ResourceClient): ReconcileScope {
  const counts: OptOutCounts = { ...ZERO_OPT_OUT_COUNTS };
  const audit: AuditRow[] = [];
  return { mode, profiles, counts, audit, updates: new ContactUpdates(dynamics, { counts, audit }) };
}

/**
 * Decides every pair of one record and writes only the values that differ, in one PATCH to Campaign and one update
 * to D365 at most (queued in the scope's batched updates). Reads always come right before, from both systems' current state, so a value this flow wrote and
 * reads back from the other side is already equal there: no further write (echo suppression).
 */
export async function reconcileRecord(scope: ReconcileScope, target: RecordTarget, states: PairState[]): Promise<void> {
  const toCampaign: Record<string, boolean> = {};
  const toD365: Record<string, boolean> = {};
  const campaignAudit: AuditRow[] = [];
  const d365Audit: AuditRow[] = [];
  for (const { pair, d365, campaign } of states) {
    const decision = decideOptOut(scope.mode, d365, campaign);
    if (scope.mode === 'bidirectional' && d365.value !== campaign.value) scope.counts.conflicts += 1;
    if (decision.write === 'none') {
      scope.counts.skipped += 1;
      continue;
    }
    const old = decision.write === 'campaign' ? campaign.value : d365.value;
    if (decision.write === 'campaign') toCampaign[pair.apiField] = decision.value;
    else toD365[pair.column] = decision.value;
    (decision.write === 'campaign' ? campaignAudit : d365Audit).push({
      key: target.contactId,
      attribute: pair.attribute,
      old: String(old),
      new: String(decision.value),
      winner: decision.winner,
      reason: `${decision.reason}; wrote ${decision.write === 'campaign' ? pair.apiField : pair.column} (D365 ${timeText(d365)}, Campaign ${timeText(campaign)})`,
    });
  }
  if (campaignAudit.length > 0) {
    await scope.profiles.patch(target.pkey, toCampaign);
    record(scope, campaignAudit);
  }
  if (d365Audit.length > 0) {
    await scope.updates.add({ contactId: target.contactId, values: toD365, audit: d365Audit });
  }
}

function record(scope: ReconcileScope, rows: AuditRow[]): void {
  scope.counts.applied += rows.length;
  scope.audit.push(...rows);
}

/** The D365 side of a pair from a contact row (a null flag reads as false, as D365 shows it). */
export function d365Side(row: Row, pair: OptOutPair): OptOutSide {
  return { value: row[pair.column] === true, changedAt: toSeconds(row[MODIFIED_ON], Date.parse) };
}

/** The Campaign side of a pair from a profile as the REST API returns it. */
export function campaignSide(profile: AcsRecord, pair: OptOutPair): OptOutSide {
  return {
    value: profile[pair.apiField] === true,
    changedAt: toSeconds(profile[pair.timestampField], (text) => parseAcsDate(text)?.getTime() ?? Number.NaN),
  };
}

/**
 * A time as ISO 8601 cut to whole seconds, or null when absent or unreadable. Dataverse keeps `modifiedon` to the
 * second while Campaign keeps milliseconds: comparing at the finer grain would call a Campaign change "newer" than a
 * D365 change made later in the same second, so both are compared to the second (same second = equal times).
 */
export function toSeconds(value: unknown, parse: (text: string) => number): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = parse(value);
  if (Number.isNaN(ms)) return null;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

function timeText(side: OptOutSide): string {
  return `${side.value} at ${side.changedAt ?? 'unknown time'}`;
}

/** The profile of a contact, or why there is none to write. */
export type ProfileLookup =
  { kind: 'found'; profile: AcsRecord } | { kind: 'missing' } | { kind: 'ambiguous'; reason: string };

/**
 * Finds the profile whose `externalId` is the contact id. Two profiles with one externalId cannot be told apart:
 * the record is reported (rejected) instead of failing the whole page again and again.
 */
export async function lookupProfile(profiles: ResourceClient, contactId: string): Promise<ProfileLookup> {
  try {
    const profile = await profiles.findByKey({ externalId: contactId });
    return profile ? { kind: 'found', profile } : { kind: 'missing' };
  } catch (error) {
    if (!(error instanceof CampaignDuplicateKeyError)) throw error;
    return {
      kind: 'ambiguous',
      reason: `${error.matches} Campaign profiles have this externalId; make it unique in Campaign`,
    };
  }
}
