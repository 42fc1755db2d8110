export interface RetryOptions {
  /** Attempts in total, the first included. @default 5 */
  maxAttempts?: number;
  /** Delay before the first retry, doubled each time (with full jitter). @default 500 */
  baseDelayMs?: number;
  /** Longest delay between attempts. @default 30000 */
  maxDelayMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  return {
    maxAttempts: options.maxAttempts ?? 5,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
  };
}

/** Exponential backoff with full jitter: a random wait in [0, min(max, base * 2^retry)]. */
export function backoffDelayMs(retry: number, options: ResolvedRetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return Math.round(Math.random() * ceiling);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
