import { type ResourceClient } from '../../connectors/campaign';
import { type DynamicsClient, IDS_PER_QUERY } from '../../connectors/dynamics';
import { type IngressCounts } from '../../sync/ingress';
import { forEachBounded } from '../bounded';
import { type RedriveContext, redriveKeys } from '../ingress/redrive';
import { OptOutAudit } from '../optout/audit-report';
import { campaignSide, d365Side, lookupProfile, reconcileRecord, reconcileScope } from '../optout/reconcile';
import { type OptOutSettings } from '../optout/settings';
import { readVerifyReport, verifyReportPath } from './report-file';
import { readContacts } from './verify-optout';

export interface RepairInput {
  verifyId: string;
}

/** What a repair did: keys re-driven, keys left for the operator (duplicates), and the write counts. */
export interface RepairResult {
  scope: string;
  keys: number;
  /** Duplicate keys: which of the records to keep is the operator's call, never the repair's. */
  leftAlone: number;
  counts: Record<string, number>;
  /** The audit or rejects report the repair wrote to, when it wrote one. */
  report?: string;
}

/**
 * Re-drives a mapping's drifted keys through the ingress write path (`rejects --redrive`'s): each key's current D365 row
 * is applied by key, as an incremental pass would (a missing record is created with every mapped field; an existing one
 * gets the changed fields the flow keeps updated; a row D365 no longer has, or the filter keeps out, is deleted when
 * the mapping says so). Records still refused go to a rejects report.
 */
export async function repairIngressDrift(
  context: RedriveContext,
  input: RepairInput & { mapping: string }
): Promise<RepairResult> {
  const scope = `ingress:${input.mapping}`;
  const drifted = await readVerifyReport(verifyReportPath(context.reportsFolder, input.verifyId, scope));
  const keys = [...new Set(drifted.filter((key) => key.category !== 'duplicate').map((key) => key.key))];
  const reportId = `${input.mapping}-verify-repair-${input.verifyId}`;
  const counts: IngressCounts = await redriveKeys(context, keys, { mode: 'incremental', reportId });
  return {
    scope,
    keys: keys.length,
    leftAlone: drifted.length - keys.length,
    counts: { ...counts },
    ...(counts.rejected > 0 ? { report: `ingress/${input.mapping}/${reportId}.csv` } : {}),
  };
}

export interface OptOutRepairContext {
  settings: OptOutSettings;
  /** Ingress mappings of contacts to profiles: the profiles their repair created get their opt-out pairs too. */
  contactMappings: readonly string[];
  dynamics: DynamicsClient;
  profiles: ResourceClient;
  concurrency: number;
}

/**
 * Reconciles the drifted contacts' opt-out pairs with the flow's own `reconcileRecord` (reads both sides right before,
 * writes only what the mode's rule decides), audited under `<reports.folder>/optout/`; also those of the contacts
 * whose profile was missing (run it after the ingress repair, which creates them).
 */
export async function repairOptOutDrift(context: OptOutRepairContext, input: RepairInput): Promise<RepairResult> {
  const report = (scope: string) =>
    readVerifyReport(verifyReportPath(context.settings.reportsFolder, input.verifyId, scope));
  const drifted = await report('optout');
  // A profile the ingress repair just created holds Campaign's defaults: its pairs are reconciled with the drift.
  const created = await Promise.all(context.contactMappings.map((mapping) => report(`ingress:${mapping}`)));
  const missing = created.flat().filter((key) => key.category === 'missing');
  const keys = [...new Set([...drifted, ...missing].map((key) => key.key.toLowerCase()))];
  const scope = reconcileScope(context.settings.mode, context.dynamics, context.profiles);
  const { counts, audit } = scope;
  const reportId = `verify-repair-${input.verifyId}`;
  for (let start = 0; start < keys.length; start += IDS_PER_QUERY) {
    const batch = keys.slice(start, start + IDS_PER_QUERY);
    const rows = await readContacts(context, batch);
    counts.read += batch.length;
    const work = forEachBounded(batch, context, async (contactId) => {
      const row = rows.get(contactId);
      const found = row ? await lookupProfile(context.profiles, contactId) : undefined;
      if (!row || found?.kind !== 'found') {
        counts.missing += 1;
        return;
      }
      const states = context.settings.pairs.map((pair) => ({
        pair,
        d365: d365Side(row, pair),
        campaign: campaignSide(found.profile, pair),
      }));
      await reconcileRecord(scope, { contactId, pkey: found.profile.PKey }, states);
    });
    await scope.updates.completeAfter(work);
  }
  await new OptOutAudit(context.settings.reportsFolder, reportId).append(audit);
  return {
    scope: 'optout',
    keys: keys.length,
    leftAlone: 0,
    counts: { ...counts },
    ...(audit.length > 0 ? { report: `optout/${reportId}.csv` } : {}),
  };
}
