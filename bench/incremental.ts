import { stopProcess } from '../src/sandbox/dev-server';
import { valuesForCreate, valuesForUpdate } from '../src/sandbox/dynamics/row-values';
import { seededContact } from '../src/sandbox/dynamics/seed';
import { type TableStore } from '../src/sandbox/dynamics/table-store';
import { startFlows } from '../src/temporal/start-flows';
import { ingressManagerId, ingressPassId } from '../src/workflows/ingress/ids';
import { ingressStatusQuery, syncNowSignal, type PassSummary } from '../src/workflows/ingress/messages';
import { historySize } from './lib/history';
import { MAPPING, PROFILE_EXTENSIONS, fifteenFieldMapping } from './lib/mappings';
import { MemorySampler } from './lib/process-memory';
import { formatNumber, goal, type Results } from './lib/results';
import { benchCost, startBenchStack, type BenchStack } from './lib/stack';
import { waitFor } from './lib/wait';

/** Campaign requests in flight per page (`campaign.maxConcurrentRequests`) in this benchmark. */
export const INCREMENTAL_CONCURRENCY = 32;
const LATENCY_MS = 50;

/**
 * Benchmark 2: incremental passes on the API path. D365 gets `changes` new contacts (pass 1: creates), then the same
 * contacts change twice (pass 2: updates with no Campaign latency; pass 3: updates with 50 ms added to every Campaign
 * call). Each pass is started with "sync now" and timed by its own start and finish. With the cost model on, every
 * Campaign API call already costs its latency (100 ms): passes 1 and 2 are then each reported as a share of the
 * concurrency ceiling at that latency (goal >= 85 %, issue 17), and pass 3 is not run.
 */
export async function incrementalBenchmark(results: Results, changes: number): Promise<void> {
  const costLatencyMs = benchCost().campaign.cost?.latencyMs ?? 0;
  const stack = await startBenchStack({
    campaign: { profile: PROFILE_EXTENSIONS },
    campaignConcurrency: INCREMENTAL_CONCURRENCY,
    flows: { ingress: [fifteenFieldMapping()] },
  });
  try {
    const temporal = stack.temporal as NonNullable<BenchStack['temporal']>;
    const worker = await stack.startWorker();
    const sampler = new MemorySampler(worker.pid as number);
    const manager = temporal.client.workflow.getHandle(ingressManagerId(MAPPING));
    await startFlows(temporal.client, stack.config, temporal.taskQueue, [ingressManagerId(MAPPING)]);
    await waitFor(
      'the (empty) initial transfer',
      async () => {
        const status = await manager.query(ingressStatusQuery);
        return status.initialTransferDone && status.phase === 'waiting' ? true : undefined;
      },
      120_000
    );
    const contacts = stack.dynamics.db.table('contacts') as TableStore;
    const ids: string[] = [];
    for (let i = 0; i < changes; i++) {
      ids.push(
        contacts.insert(
          stack.dynamics.db.newId(),
          valuesForCreate(contacts.definition, { ...seededContact(i), statecode: 0, statuscode: 1 })
        ).id
      );
    }
    /** `latencyMs`: what every Campaign API call costs in this pass (the cost model's and any added by a fault). */
    const pass = async (label: string, latencyMs: number): Promise<void> => {
      const before = stack.campaign.engineCalls();
      const requestsBefore = totalRequests(stack);
      const summary = await runPass(stack, changes);
      const after = stack.campaign.engineCalls();
      const engineCalls = Object.keys(after).reduce(
        (sum, kind) => sum + (after[kind as keyof typeof after] - before[kind as keyof typeof before]),
        0
      );
      const requests = totalRequests(stack) - requestsBefore;
      const seconds = (Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000;
      const rate = summary.counts.read / seconds;
      results.add(
        `${label}: ${formatNumber(summary.counts.read)} rows in ${summary.pages} pages`,
        `${formatNumber(seconds, 1)} s = ${formatNumber(rate)} rows/s ` +
          `(created ${summary.counts.created}, updated ${summary.counts.updated}, rejected ${summary.counts.rejected})`
      );
      results.add(`${label}: Campaign engine calls per row`, formatNumber(engineCalls / summary.counts.read, 2));
      results.add(`${label}: Campaign HTTP requests per row`, formatNumber(requests / summary.counts.read, 2));
      const passHistory = await historySize(temporal.client, ingressPassId(MAPPING, summary.pass));
      results.add(
        `${label}: pass history per page`,
        `${formatNumber(passHistory.events / summary.pages, 1)} events, ${formatNumber(passHistory.payloadBytes / summary.pages)} B payloads`
      );
      if (latencyMs > 0) {
        const allowed = INCREMENTAL_CONCURRENCY / ((requests / summary.counts.read) * (latencyMs / 1000));
        const share = rate / allowed;
        const [goalText, least] = costLatencyMs > 0 ? ['goal >= 85 %', 0.85] : ['goal >= 80 %', 0.8];
        results.add(
          `${label}: share of what ${INCREMENTAL_CONCURRENCY} concurrent calls × ${latencyMs} ms allow (${formatNumber(allowed)} rows/s)`,
          `${formatNumber(share * 100, 1)} %`,
          goal(goalText, share >= least)
        );
      }
    };
    const latency = `latency ${costLatencyMs} ms${costLatencyMs > 0 ? ' (cost model)' : ''}`;
    await pass(`creates, ${latency}`, costLatencyMs);
    updateAll(contacts, ids, 'A');
    await pass(`updates, ${latency}`, costLatencyMs);
    if (costLatencyMs === 0) {
      stack.campaign.faults.add({ kind: 'latency', latencyMs: LATENCY_MS });
      updateAll(contacts, ids, 'B');
      await pass(`updates, latency ${LATENCY_MS} ms`, LATENCY_MS);
      stack.campaign.faults.clear();
    }
    results.add('worker peak RSS (VmHWM, whole run)', `${formatNumber(sampler.stop().peakMiB, 1)} MiB`);
    results.note(
      `campaign.maxConcurrentRequests = ${INCREMENTAL_CONCURRENCY}; D365 page size 5,000; ` +
        (costLatencyMs > 0
          ? `cost model on: every Campaign API call costs ${costLatencyMs} ms (IMS excluded), D365 production-like; `
          : 'latency added by the Campaign simulator to every call (IMS included); ') +
        'allowed rate = concurrency / (HTTP requests per row × latency).'
    );
    await manager.terminate('benchmark done');
    await stopProcess(worker, 10_000);
  } finally {
    await stack.close();
  }
}

/** Changes the names and phone of every contact (a new row version each). */
function updateAll(contacts: TableStore, ids: readonly string[], tag: string): void {
  for (const id of ids) {
    const row = contacts.get(id);
    if (!row) continue;
    contacts.update(
      row,
      valuesForUpdate(contacts.definition, row, {
        firstname: `${tag}${String(row.values.firstname ?? '')}`.slice(0, 30),
        telephone1: `+1 555 ${tag}${id.slice(-6)}`,
      })
    );
  }
}

/** Signals "sync now" and waits for the next pass to finish; returns its summary. */
async function runPass(stack: BenchStack, expectedRows: number): Promise<PassSummary> {
  const temporal = stack.temporal as NonNullable<BenchStack['temporal']>;
  const manager = temporal.client.workflow.getHandle(ingressManagerId(MAPPING));
  const passesBefore = (await manager.query(ingressStatusQuery)).passes;
  await manager.signal(syncNowSignal);
  const summary = await waitFor(
    'the pass',
    async () => {
      const status = await manager.query(ingressStatusQuery);
      if (status.lastError) throw new Error(status.lastError);
      return status.passes > passesBefore && status.lastPass ? status.lastPass : undefined;
    },
    3_600_000,
    500
  );
  if (summary.counts.read < expectedRows)
    throw new Error(`the pass read ${summary.counts.read} of ${expectedRows} rows`);
  return summary;
}

function totalRequests(stack: BenchStack): number {
  return Object.values(stack.campaign.requests).reduce((sum, n) => sum + n, 0);
}
