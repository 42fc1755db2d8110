import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { recordPassMetrics } from './metrics';
import { OutcomeKey } from './search-attributes';

/** How a pass or transfer ended, as the `AcsOutcome` search attribute says it. */
export type PassOutcome = 'running' | 'succeeded' | 'partial' | 'failed';

/** The counts of any flow's pass (numbers only); `rejected` makes a succeeded pass `partial`. */
export interface PassCounts {
  readonly rejected?: number;
}

/**
 * Writes what a pass did where the Temporal UI, `acs-d365 runs` and the metrics read it: the outcome as a search
 * attribute and the counts (numbers only, never data) in the memo. `partial` means some records were rejected.
 * `alreadyCounted`: counts an earlier attempt reported (a resumed transfer's checkpoint), not counted again.
 */
export function recordPassOutcome(
  outcome: Exclude<PassOutcome, 'running'>,
  counts: PassCounts | undefined,
  alreadyCounted?: PassCounts
): void {
  const final = outcome === 'succeeded' && (counts?.rejected ?? 0) > 0 ? 'partial' : outcome;
  upsertSearchAttributes([{ key: OutcomeKey, value: final }]);
  upsertMemo({ counts: counts ?? {} });
  recordPassMetrics(final, asCounts(counts), asCounts(alreadyCounted));
}

/** Every flow's counts are numbers by name. */
function asCounts(counts: PassCounts | undefined): Readonly<Record<string, number | undefined>> | undefined {
  return counts as Readonly<Record<string, number | undefined>> | undefined;
}

/**
 * Runs the body of a pass and records its outcome: the counts it returns on success, or the counts reached so far
 * (from `progress`) when it fails, before the failure goes on to the manager. `alreadyCounted`: see
 * {@link recordPassOutcome}.
 */
export async function withPassRecord<T extends { counts?: PassCounts }>(
  body: () => Promise<T>,
  progress: () => PassCounts | undefined,
  alreadyCounted?: PassCounts
): Promise<T> {
  upsertSearchAttributes([{ key: OutcomeKey, value: 'running' }]);
  try {
    const result = await body();
    recordPassOutcome('succeeded', result.counts, alreadyCounted);
    return result;
  } catch (err) {
    recordPassOutcome('failed', progress(), alreadyCounted);
    throw err;
  }
}
