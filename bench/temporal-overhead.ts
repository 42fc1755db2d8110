import { measureTransfer } from './initial-transfer';
import { formatNumber, goal, type Results } from './lib/results';

/**
 * Benchmark 5: what Temporal stores per 100,000 rows of a file-path transfer (the transfer workflow's history and the
 * manager's, which receives a progress signal per chunk), at several sizes: the figure per chunk must not grow with
 * the total.
 */
export async function temporalOverheadBenchmark(results: Results, sizes: number[]): Promise<void> {
  const perChunk: { events: number; bytes: number }[] = [];
  for (const rows of sizes) {
    const run = await measureTransfer({ rows });
    const label = `${formatNumber(rows)} rows, ${run.chunks} chunks`;
    const events = run.transferHistory.events + run.managerHistory.events;
    const bytes = run.transferHistory.payloadBytes + run.managerHistory.payloadBytes;
    results.add(
      `${label}: transfer history`,
      `${run.transferHistory.events} events, ${formatNumber(run.transferHistory.payloadBytes)} B payloads, ` +
        `${formatNumber(run.transferHistory.encodedBytes)} B encoded`
    );
    results.add(
      `${label}: manager history (whole run)`,
      `${run.managerHistory.events} events, ${formatNumber(run.managerHistory.payloadBytes)} B payloads`
    );
    results.add(
      `${label}: per 100,000 rows (both)`,
      `${formatNumber((events * 100_000) / rows, 1)} events, ${formatNumber((bytes * 100_000) / rows)} B payloads`
    );
    perChunk.push({ events: events / run.chunks, bytes: bytes / run.chunks });
    results.add(
      `${label}: per chunk (both)`,
      `${formatNumber(events / run.chunks, 1)} events, ${formatNumber(bytes / run.chunks)} B payloads`
    );
    results.note(`${formatNumber(rows)} rows, transfer events by type: ${JSON.stringify(run.transferHistory.byType)}`);
  }
  if (perChunk.length >= 2) {
    const first = perChunk[0] as { events: number; bytes: number };
    const last = perChunk[perChunk.length - 1] as { events: number; bytes: number };
    // Fixed costs (start, count, import) spread over more chunks: per chunk may fall with size, never rise.
    const flat = last.events <= first.events * 1.05 && last.bytes <= first.bytes * 1.05;
    results.add(
      'per-chunk cost, largest vs smallest size',
      `${formatNumber(last.events / first.events, 2)}× events, ${formatNumber(last.bytes / first.bytes, 2)}× bytes`,
      goal('goal: constant per chunk (no growth with total rows)', flat)
    );
  }
}
