/** A change made in one system at `madeAt`, waiting to be seen in the other. */
export interface PendingChange<T> {
  key: string;
  expected: T;
  madeAt: number;
}

/**
 * Lag of one direction: changes are added when made, checked by the caller's probe, and their lag (change made →
 * visible in the other system) recorded when the probe sees them.
 */
export class LagTracker<T> {
  private readonly pending = new Map<string, PendingChange<T>>();
  private readonly lagsMs: number[] = [];

  constructor(readonly direction: string) {}

  /** A change was just made; a later change of the same key replaces it (its lag counts from the later change). */
  add(key: string, expected: T, madeAt = Date.now()): void {
    this.pending.set(key, { key, expected, madeAt });
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }

  waiting(): PendingChange<T>[] {
    return [...this.pending.values()];
  }

  /** The probe saw this change in the other system now. */
  seen(key: string, now = Date.now()): void {
    const change = this.pending.get(key);
    if (!change) return;
    this.lagsMs.push(now - change.madeAt);
    this.pending.delete(key);
  }

  /** `p50 … max` in seconds over the changes seen, and how many are still waiting. */
  summary(): string {
    const sorted = [...this.lagsMs].sort((a, b) => a - b);
    const at = (p: number): string =>
      sorted.length === 0
        ? '-'
        : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! / 1000).toFixed(1);
    return (
      `${this.direction}: ${sorted.length} changes seen, ${this.pending.size} still waiting; lag in s ` +
      `p50 ${at(50)}  p95 ${at(95)}  p99 ${at(99)}  max ${at(100)}`
    );
  }
}
