import { decideOptOut, type OptOutMode, type OptOutSide } from '../optout';
import { type Verdict, type VerifyTiming, recency } from './categories';

/** One opt-out pair of one contact as both systems hold it now. */
export interface PairNow {
  /** The Campaign attribute's configuration name, e.g. `denyListEmail`. */
  attribute: string;
  d365: OptOutSide;
  campaign: OptOutSide;
}

/**
 * The verdict on one contact's opt-out pairs, by the flow's own rule (`decideOptOut`): a pair whose decision still
 * wants a write is drift, unless a side changed after verify started, or a side the mode reads from changed within the
 * quiet period.
 */
export function optOutVerdict(mode: OptOutMode, pairs: readonly PairNow[], timing: VerifyTiming): Verdict {
  const differing = pairs.filter((pair) => decideOptOut(mode, pair.d365, pair.campaign).write !== 'none');
  if (differing.length === 0) return { kind: 'agree' };
  const recent = recency(
    timing,
    differing.map((pair) => pair.d365.changedAt),
    differing.map((pair) => pair.campaign.changedAt),
    { d365: mode !== 'campaign-to-d365', campaign: mode !== 'd365-to-campaign' }
  );
  if (recent) return { kind: recent };
  return { kind: 'drift', category: 'optOut', fields: differing.map((pair) => pair.attribute).sort() };
}

/** The pairs' values as bits (pair i → bit i), for the first pass: equal bits mean the pairs agree. */
export function optOutBits(values: readonly boolean[]): number {
  return values.reduce((bits, value, index) => (value ? bits | (1 << index) : bits), 0);
}
