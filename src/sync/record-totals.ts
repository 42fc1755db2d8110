/** What the metrics count of any flow's pass: records read, written (to either system) and rejected. */
export interface RecordTotals {
  read: number;
  written: number;
  rejected: number;
}

/**
 * The counts that are writes, in any flow: ingress creates, updates and deletes in Campaign; egress creates activities
 * and follow-up tasks in D365; opt-out applies a value on one side. Everything else (unchanged, skipped, duplicates,
 * filtered out, missing) was read and needed no write.
 */
const WRITES = ['created', 'updated', 'deleted', 'applied', 'tasks'] as const;

type Counts = Readonly<Record<string, number | undefined>>;

/**
 * The totals of a pass's counts, less those an earlier attempt already counted (a resumed initial transfer starts
 * from its checkpoint's counts). Never negative: a counter only goes up.
 */
export function recordTotals(counts: Counts | undefined, alreadyCounted?: Counts): RecordTotals {
  const total = (of: Counts | undefined, keys: readonly string[]) =>
    keys.reduce((sum, key) => sum + (of?.[key] ?? 0), 0);
  const since = (keys: readonly string[]) => Math.max(total(counts, keys) - total(alreadyCounted, keys), 0);
  return { read: since(['read']), written: since(WRITES), rejected: since(['rejected']) };
}
