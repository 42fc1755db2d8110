import { type ResourceClient } from '../../connectors/campaign';
import { type DynamicsClient, readRowsById, type Row, IDS_PER_QUERY } from '../../connectors/dynamics';
import {
  compactKey,
  type DriftedKey,
  expandKey,
  optOutBits,
  optOutVerdict,
  type PairNow,
  type VerifyScopeResult,
} from '../../sync/verify';
import { forEachBounded } from '../bounded';
import { campaignSide, d365Side, lookupProfile } from '../optout/reconcile';
import { CONTACT_ID, CONTACTS_SET, MODIFIED_ON, type OptOutSettings } from '../optout/settings';
import { VerifyReport } from './report-file';
import { scopeResult, type VerifyProgress } from './scope-result';
import { type VerifyScopeInput } from './verify-ingress';

const CAMPAIGN_PAGE = 500;
const HEARTBEAT_EVERY = 1000;
/** Set on a contact's entry once its profile was seen. */
const SEEN = 1 << 16;

export interface VerifyOptOutContext {
  settings: OptOutSettings;
  dynamics: DynamicsClient;
  profiles: ResourceClient;
  pageSize: number;
  concurrency: number;
  progress?: (progress: VerifyProgress) => void;
  signal?: AbortSignal;
}

/**
 * Verifies the opt-out pairs: one pass over the contacts keeps each one's pair values as bits, then the profiles
 * stream by and every profile whose bits differ is re-read from both systems and judged by the flow's own rule
 * (`decideOptOut`): a decision that still wants a write, with no change after verify started or within the quiet
 * period, is drift. Contacts without a profile are the ingress mapping's to report, not the opt-out flow's.
 */
export async function verifyOptOutPairs(
  context: VerifyOptOutContext,
  input: VerifyScopeInput & { reportsFolder: string }
): Promise<VerifyScopeResult> {
  const { pairs } = context.settings;
  /** Per contact (its id packed by `compactKey`), its pairs' values as bits and whether its profile was seen. */
  const contacts = new Map<string, number>();
  let done = 0;
  const beat = (step: string) => {
    done += 1;
    if (done % HEARTBEAT_EVERY === 0) context.progress?.({ step, done });
    if (context.signal?.aborted) throw context.signal.reason ?? new Error('the activity was cancelled');
  };
  for await (const page of context.dynamics.readPages(CONTACTS_SET, {
    select: [CONTACT_ID, ...pairs.map((pair) => pair.column)],
    pageSize: context.pageSize,
  })) {
    for (const row of page.rows) {
      const key = compactKey(String(row[CONTACT_ID]).toLowerCase());
      contacts.set(key, optOutBits(pairs.map((pair) => row[pair.column] === true)));
      beat('d365');
    }
  }
  const counts = {
    contacts: contacts.size,
    profiles: 0,
    compared: 0,
    agree: 0,
    changedDuringVerify: 0,
    pending: 0,
    ambiguousProfiles: 0,
  };
  const candidates = new Set<string>();
  done = 0;
  for await (const profile of context.profiles.list({ lineCount: CAMPAIGN_PAGE })) {
    counts.profiles += 1;
    beat('campaign');
    const key = compactKey(typeof profile.externalId === 'string' ? profile.externalId.toLowerCase() : '');
    const entry = contacts.get(key);
    if (entry === undefined) continue;
    if ((entry & SEEN) === 0) counts.compared += 1;
    contacts.set(key, entry | SEEN);
    const bits = optOutBits(pairs.map((pair) => profile[pair.apiField] === true));
    if (bits !== (entry & ~SEEN)) candidates.add(expandKey(key));
  }
  counts.agree = counts.compared - candidates.size;
  contacts.clear();

  const drifted: DriftedKey[] = [];
  const keys = [...candidates];
  for (let start = 0; start < keys.length; start += IDS_PER_QUERY) {
    const batch = keys.slice(start, start + IDS_PER_QUERY);
    const rows = await readContacts(context, batch);
    await forEachBounded(batch, context, async (key) => {
      const row = rows.get(key);
      const found = row ? await lookupProfile(context.profiles, key) : undefined;
      if (found?.kind === 'ambiguous') {
        counts.ambiguousProfiles += 1; // several profiles: the ingress mapping reports the duplicate
        return;
      }
      if (!row || found?.kind !== 'found') {
        counts.changedDuringVerify += 1; // the contact or its profile is gone since the first pass
        return;
      }
      const states: PairNow[] = pairs.map((pair) => ({
        attribute: pair.attribute,
        d365: d365Side(row, pair),
        campaign: campaignSide(found.profile, pair),
      }));
      const verdict = optOutVerdict(context.settings.mode, states, input.timing);
      if (verdict.kind === 'drift') drifted.push({ key, category: 'optOut', fields: verdict.fields ?? [] });
      else if (verdict.kind === 'agree') counts.agree += 1;
      else counts[verdict.kind === 'changed' ? 'changedDuringVerify' : 'pending'] += 1;
    });
    context.progress?.({ step: 'recheck', done: start + batch.length });
  }
  return scopeResult('optout', counts, drifted, new VerifyReport(input.reportsFolder, input.verifyId, 'optout'));
}

/** The contacts' current rows (pair columns and `modifiedon`), by lower-cased id. */
export function readContacts(
  context: { dynamics: DynamicsClient; settings: OptOutSettings },
  ids: readonly string[]
): Promise<Map<string, Row>> {
  const columns = [MODIFIED_ON, ...context.settings.pairs.map((pair) => pair.column)];
  return readRowsById(context.dynamics, CONTACTS_SET, CONTACT_ID, columns, ids);
}
