/**
 * Runs `work` over the items with at most `concurrency` at once. The first failure stops new items from starting; it
 * is thrown once the items in flight have settled (so no write outlives the activity attempt).
 */
export async function forEachBounded<T>(
  items: readonly T[],
  options: { concurrency: number; signal?: AbortSignal },
  work: (item: T) => Promise<void>
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      if (options.signal?.aborted) {
        failure = { error: options.signal.reason ?? new Error('the activity was cancelled') };
        return;
      }
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
}
