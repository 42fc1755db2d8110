/**
 * What verify finds, per record. Drift is what the flows should have made equal and did not; the other outcomes are
 * counted apart and are not drift.
 *
 * Ingress drift: `missing` (a D365 row that should be in Campaign is not), `fields` (its mapped fields differ),
 * `duplicate` (Campaign holds its key more than once), `orphan` (Campaign holds a key D365 no longer has, with
 * `deletes: true`), `filteredOut` (Campaign holds a row the filter keeps out, with `filter.deleteFilteredOut`).
 * Opt-out drift: `optOut` (a pair whose two sides the mode's rule would still write). Egress drift: `duplicate` (two
 * or more D365 activities for one Campaign event id).
 */
export const DRIFT_CATEGORIES = ['missing', 'fields', 'duplicate', 'orphan', 'filteredOut', 'optOut'] as const;
export type DriftCategory = (typeof DRIFT_CATEGORIES)[number];

/**
 * A record that looked different but is not counted as drift: `changed` (either side changed after verify started:
 * the flows are at work on it), `pending` (its source side changed within the quiet period before verify started: the
 * flow has not had its pass yet), `agree` (equal once re-read with the writer's own comparison).
 */
export type NotDrift = 'agree' | 'changed' | 'pending';

export type Verdict = { kind: NotDrift } | { kind: 'drift'; category: DriftCategory; fields?: string[] };

/** One drifted record: its key and, for `fields` and `optOut`, the names of the fields that differ (never values). */
export interface DriftedKey {
  key: string;
  category: DriftCategory;
  fields?: string[];
}

/** When verify started and since when a change counts as pending (`quiet` before the start). */
export interface VerifyTiming {
  startedAtMs: number;
  quietMs: number;
}

/** Which sides a flow reads changes from: only a change there is work the flow may still have to do. */
export interface ChangeSources {
  d365: boolean;
  campaign: boolean;
}

/**
 * Whether a record changed after verify started (`changed`, on either side: a flow may be writing it) or, on a side
 * the flow reads its changes from, within the quiet period before (`pending`: the flow has not had its pass yet),
 * from the newest of the record's change times (ISO 8601 or epoch ms; unknown times are ignored). A change before
 * the start on a side the flow only writes (a profile edited in Campaign, for ingress) is no work of the flow's: it
 * stays drift. D365 keeps `modifiedon` to the second: its times are compared with the start cut to the second, so a
 * change in the second verify started in counts as changed during verify, never as drift.
 */
export function recency(
  timing: VerifyTiming,
  d365Times: readonly (string | null | undefined)[],
  campaignTimes: readonly (string | number | null | undefined)[],
  sources: ChangeSources
): NotDrift | undefined {
  const startSecond = Math.floor(timing.startedAtMs / 1000) * 1000;
  const d365 = newest(d365Times);
  const campaign = newest(campaignTimes);
  if (d365 >= startSecond || campaign >= timing.startedAtMs) return 'changed';
  const since = timing.startedAtMs - timing.quietMs;
  if (timing.quietMs > 0 && ((sources.d365 && d365 >= since) || (sources.campaign && campaign >= since)))
    return 'pending';
  return undefined;
}

function newest(times: readonly (string | number | null | undefined)[]): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const time of times) {
    const ms = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : Number.NaN;
    if (!Number.isNaN(ms) && ms > latest) latest = ms;
  }
  return latest;
}
