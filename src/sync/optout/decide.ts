/** The opt-out flow's direction, as configured. */
export type OptOutMode = 'disabled' | 'd365-to-campaign' | 'campaign-to-d365' | 'bidirectional';

/** One side's view of one opt-out pair. A missing timestamp counts as older than any other. */
export interface OptOutSide {
  value: boolean;
  /** D365: the contact's `modifiedon`; Campaign: the attribute's `*LastModified`. ISO 8601. */
  changedAt: string | null;
}

export type OptOutWinner = 'campaign' | 'd365' | 'none';

/** What to do for one pair of one record, and why (for the audit report). */
export interface OptOutDecision {
  /** The value both systems should hold afterwards. */
  value: boolean;
  winner: OptOutWinner;
  /** Which system to write; `none` when both already agree (this is what stops echo loops). */
  write: 'campaign' | 'd365' | 'none';
  reason: string;
}

/**
 * Decides one opt-out pair. Bidirectional (Adobe's documented rule): a newer Campaign change wins; when D365 is newer
 * or the timestamps are equal, opt-out = true wins if either side is true. A write happens only where the values
 * differ, so a value the flow wrote and later reads back from the other side causes no further write.
 */
export function decideOptOut(mode: OptOutMode, d365: OptOutSide, campaign: OptOutSide): OptOutDecision {
  switch (mode) {
    case 'disabled':
      return { value: d365.value, winner: 'none', write: 'none', reason: 'opt-out sync is disabled' };
    case 'd365-to-campaign':
      return decision(d365.value, 'd365', d365, campaign, 'one way, D365 to Campaign');
    case 'campaign-to-d365':
      return decision(campaign.value, 'campaign', d365, campaign, 'one way, Campaign to D365');
    case 'bidirectional': {
      const order = compareTimes(campaign.changedAt, d365.changedAt);
      if (order > 0) return decision(campaign.value, 'campaign', d365, campaign, 'Campaign changed last');
      const optedOut = d365.value || campaign.value;
      const why = order === 0 ? 'same time' : 'D365 changed last';
      const winner: OptOutWinner = optedOut === d365.value ? 'd365' : 'campaign';
      return decision(
        optedOut,
        winner,
        d365,
        campaign,
        `${why}; opt-out ${optedOut ? 'true wins' : 'false on both sides'}`
      );
    }
  }
}

function decision(
  value: boolean,
  winner: OptOutWinner,
  d365: OptOutSide,
  campaign: OptOutSide,
  reason: string
): OptOutDecision {
  const write = campaign.value !== value ? 'campaign' : d365.value !== value ? 'd365' : 'none';
  return {
    value,
    winner: write === 'none' ? 'none' : winner,
    write,
    reason: write === 'none' ? `${reason}; already in agreement` : reason,
  };
}

/** Positive when a is later than b; a missing or unreadable time is the earliest. */
function compareTimes(a: string | null, b: string | null): number {
  const ta = a === null ? Number.NEGATIVE_INFINITY : Date.parse(a);
  const tb = b === null ? Number.NEGATIVE_INFINITY : Date.parse(b);
  const na = Number.isNaN(ta) ? Number.NEGATIVE_INFINITY : ta;
  const nb = Number.isNaN(tb) ? Number.NEGATIVE_INFINITY : tb;
  return na === nb ? 0 : na > nb ? 1 : -1;
}
