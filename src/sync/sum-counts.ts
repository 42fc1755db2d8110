/** Adds two sets of counters field by field (counts of a page added to those of a pass, and so on). */
export function sumCounts<T extends { [K in keyof T]: number }>(a: T, b: T): T {
  const sum = { ...a };
  for (const key of Object.keys(b) as (keyof T)[]) sum[key] = (a[key] + b[key]) as T[keyof T];
  return sum;
}
