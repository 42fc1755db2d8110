import { type Verdict, type VerifyTiming, recency } from './categories';
import { type SourceKind } from './ingress-tally';

/** A key as D365 holds it now: no row, or what the mapping makes of the row and when it last changed. */
export type D365Now = { kind: 'absent' } | { kind: SourceKind; modifiedOn: string | null };

/** The key as Campaign holds it now: no record, several, or one with its differing fields and last change. */
export type CampaignNow =
  | { kind: 'none' }
  | { kind: 'several'; count: number }
  | {
      kind: 'one';
      /** The compared fields the ingress writer would patch (its own comparison, `changedFields`). */
      differing: string[];
      lastModified: string | null;
    };

export interface IngressRules {
  deletes: boolean;
  deleteFilteredOut: boolean;
}

/**
 * The verdict on one key re-read from both systems. Several Campaign records for one key are drift whatever else
 * (the writer refuses such a key). Otherwise a key that either side changed after verify started, or that D365 changed
 * within the quiet period, is not drift; the rest is judged as the flows would leave it: present exactly once with equal fields when
 * the mapping writes the row, absent when deletes remove it.
 */
export function ingressVerdict(
  d365: D365Now,
  campaign: CampaignNow,
  rules: IngressRules,
  timing: VerifyTiming
): Verdict {
  if (campaign.kind === 'several') return { kind: 'drift', category: 'duplicate' };
  const d365Time = d365.kind === 'absent' ? null : d365.modifiedOn;
  const campaignTime = campaign.kind === 'one' ? campaign.lastModified : null;
  const drift = ingressDrift(d365, campaign, rules);
  if (drift.kind === 'agree') return drift;
  // Ingress reads D365 only: a profile edited in Campaign before verify started is drift, however recent.
  const recent = recency(timing, [d365Time], [campaignTime], { d365: true, campaign: false });
  return recent ? { kind: recent } : drift;
}

function ingressDrift(
  d365: D365Now,
  campaign: Exclude<CampaignNow, { kind: 'several' }>,
  rules: IngressRules
): Verdict {
  switch (d365.kind) {
    case 'absent':
      return campaign.kind === 'one' && rules.deletes ? { kind: 'drift', category: 'orphan' } : { kind: 'agree' };
    case 'rejected':
      return { kind: 'agree' };
    case 'filteredOut':
      return campaign.kind === 'one' && rules.deleteFilteredOut
        ? { kind: 'drift', category: 'filteredOut' }
        : { kind: 'agree' };
    case 'expected':
      if (campaign.kind === 'none') return { kind: 'drift', category: 'missing' };
      return campaign.differing.length > 0
        ? { kind: 'drift', category: 'fields', fields: [...campaign.differing].sort() }
        : { kind: 'agree' };
  }
}
