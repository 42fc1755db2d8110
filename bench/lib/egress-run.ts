import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type EgressCounts } from '../../src/sync/egress/counts';
import { stopProcess } from '../../src/sandbox/dev-server';
import { type DynamicsCostOptions, type ServiceProtectionLimits } from '../../src/sandbox/dynamics';
import { type TableStore } from '../../src/sandbox/dynamics/table-store';
import { ACTIVITY_TABLES, EVENT_ID_COLUMN } from '../../src/sync/egress';
import { startFlows } from '../../src/temporal/start-flows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { FirstPassWatch } from './first-pass';
import { activityCallsByWorker, historySize, type HistorySize } from './history';
import { MemorySampler } from './process-memory';
import { sentDuringPenalty } from '../../test/harness/penalty';
import { startBenchStack, type BenchStack } from './stack';
import { killWorkerHoldingASlice, type WorkerKill } from './worker-kill';

/** What one egress pass through the real worker measured. */
export interface EgressRun {
  events: number;
  batchSize: number;
  seconds: number;
  counts: EgressCounts;
  /** Activities the D365 simulator holds afterwards (all four tables). */
  activitiesInD365: number;
  /** Web API requests D365 answered during the pass, and how many of them were 429. */
  requests: number;
  throttled: number;
  /** Seconds from the pass's start to D365's last answer. */
  busySeconds: number;
  /**
   * Requests that reached D365 while the worker that sent them had been told to wait (after a 429 it had read, 50 ms
   * of grace for one already on its way, before its `Retry-After` passed); counted over the last 10,000 requests.
   */
  sentDuringPenalty: number;
  peakMiB: number;
  passHistory: HistorySize;
  /** Activities in D365 with an event id no other has (every event should be exactly one). */
  distinctEventIds: number;
  /** Slices (`applyEventFile` calls) each worker process ran, most first. */
  slicesByWorker: number[];
  /** When {@link EgressRunOptions.killOneWorker}: the worker SIGKILLed, and what it held. */
  killed?: WorkerKill;
}

export interface EgressRunOptions {
  events: number;
  batchSize: number;
  /** D365 service protection. @default none that this run could reach (the benchmark measures the flow, not the limit) */
  limits?: ServiceProtectionLimits;
  /** Events per export file. @default 20,000 */
  eventsPerFile?: number;
  /** Added by the D365 simulator before each answer. @default 0 */
  latencyMs?: number;
  /** The D365 simulator's cost model. @default the run's (`BENCH_COST`) */
  cost?: DynamicsCostOptions;
  /** `dynamics.maxConcurrentRequests`. @default the product default */
  dynamicsConcurrency?: number;
  /** Worker processes on the task queue. @default 1 */
  workers?: number;
  /** `egress.filesInParallel`. @default the product default */
  filesInParallel?: number;
  /** SIGKILL one worker while it applies a slice, once this share of the events is in D365 (not restarted). */
  killOneWorker?: { afterShare: number };
}

const EVENT_HEADER =
  'eventId,eventType,eventDate,externalId,campaignId,deliveryId,deliveryLabel,mirrorPageUrl,trackingUrl,bounceType,bounceReason';
const CONTACTS = 10_000;
/**
 * Dataverse's default limit (6,000 requests per 5 minutes) would make single requests wait for the window, so the
 * comparison would measure the limit; benchmark 3 measures that.
 */
const UNREACHABLE_LIMITS: ServiceProtectionLimits = { requests: 1_000_000_000, executionTimeMs: 1_000_000_000_000 };

/** Writes `events` email events (send, open, click, hard bounce) of seeded contacts as Campaign export files. */
async function writeEventFiles(stack: BenchStack, events: number, perFile: number): Promise<void> {
  const folder = path.join(stack.sftp.root, 'd365_loads', 'exports', 'events');
  await mkdir(folder, { recursive: true });
  const contacts = [...(stack.dynamics.db.table('contacts') as TableStore).scan()].map((row) => row.id);
  for (let file = 0; file * perFile < events; file++) {
    const lines = [EVENT_HEADER];
    for (let i = file * perFile; i < Math.min(events, (file + 1) * perFile); i++) {
      const type = ['send', 'send', 'open', 'open', 'click', 'send', 'open', 'click', 'send', 'bounce'][
        i % 10
      ] as string;
      lines.push(
        [
          `EV${String(i).padStart(9, '0')}`,
          type,
          '2026-03-04 05:06:07.000Z',
          contacts[i % contacts.length],
          'CAMP1',
          `DM${100 + (i % 7)}`,
          'Spring newsletter',
          'https://mirror.example.com/m/1',
          type === 'click' ? 'https://www.example.com/offer' : '',
          type === 'bounce' ? 'Hard' : '',
          type === 'bounce' ? 'User unknown' : '',
        ].join(',')
      );
    }
    await writeFile(
      path.join(folder, `events_20260304050607_${String(file + 1).padStart(6, '0')}.csv`),
      `${lines.join('\n')}\n`
    );
  }
}

/** Activities the D365 simulator holds (all four tables). */
function activitiesInD365(stack: BenchStack): number {
  return Object.values(ACTIVITY_TABLES).reduce(
    (sum, table) => sum + (stack.dynamics.db.table(table.entitySetName)?.liveCount ?? 0),
    0
  );
}

/** Distinct event ids over the four activity tables. */
function distinctEventIds(stack: BenchStack): number {
  const ids = new Set<unknown>();
  for (const table of Object.values(ACTIVITY_TABLES)) {
    const store = stack.dynamics.db.table(table.entitySetName);
    for (const row of store?.scan() ?? []) ids.add(row.values[EVENT_ID_COLUMN]);
  }
  return ids.size;
}

/** Runs one egress pass of `events` events through the real worker process, with `batchSize` operations per $batch. */
export async function measureEgress(options: EgressRunOptions): Promise<EgressRun> {
  const stack = await startBenchStack({
    dynamics: {
      seedContacts: CONTACTS,
      limits: options.limits ?? UNREACHABLE_LIMITS,
      faults: { latencyMs: options.latencyMs ?? 0 },
      ...(options.cost ? { cost: options.cost } : {}),
    },
    ...(options.dynamicsConcurrency ? { dynamicsConcurrency: options.dynamicsConcurrency } : {}),
    flows: {
      egress: {
        every: '1h',
        batchSize: options.batchSize,
        ...(options.filesInParallel ? { filesInParallel: options.filesInParallel } : {}),
      },
    },
  });
  try {
    const temporal = stack.temporal as NonNullable<BenchStack['temporal']>;
    await writeEventFiles(stack, options.events, options.eventsPerFile ?? 20_000);
    const worker = await stack.startWorker();
    const others = [];
    for (let i = 1; i < (options.workers ?? 1); i++) others.push(await stack.startWorker());
    const sampler = new MemorySampler(worker.pid as number);
    const firstRecord = stack.dynamics.requests.length;
    const watch = new FirstPassWatch(stack.dynamics);
    await startFlows(temporal.client, stack.config, temporal.taskQueue, ['egress']);
    const manager = temporal.client.workflow.getHandle('egress');
    const inD365 = (): number => activitiesInD365(stack);
    const kill = options.killOneWorker
      ? killWorkerHoldingASlice(temporal.client, 'egress:pass:1', [worker, ...others], () => {
          const share = inD365() / options.events;
          return share >= (options.killOneWorker?.afterShare ?? 1);
        })
      : undefined;
    const pass = await watch.wait('the egress pass', manager, egressStatusQuery);
    const seconds = (Date.now() - watch.startedAt) / 1000;
    const memory = sampler.stop();
    const killed = await kill?.stop();
    const passHistory = await historySize(temporal.client, 'egress:pass:1');
    const slices = await activityCallsByWorker(temporal.client, 'egress:pass:1', 'applyEventFile');
    await manager.terminate('benchmark done');
    await Promise.all([worker, ...others].map((child) => stopProcess(child, 10_000)));
    return {
      events: options.events,
      batchSize: options.batchSize,
      seconds,
      counts: pass.lastPass.counts,
      activitiesInD365: inD365(),
      distinctEventIds: distinctEventIds(stack),
      slicesByWorker: Object.values(slices).sort((a, b) => b - a),
      ...(killed ? { killed } : {}),
      requests: pass.requests,
      throttled: pass.throttled,
      busySeconds: (pass.lastAnswerAt - watch.startedAt) / 1000,
      sentDuringPenalty: sentDuringPenalty(stack.dynamics.requests.slice(Math.max(0, firstRecord - 10_000))).length,
      peakMiB: memory.peakMiB,
      passHistory,
    };
  } finally {
    await stack.close();
  }
}
