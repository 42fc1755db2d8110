import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stopProcess } from '../src/sandbox/dev-server';
import { startFlows } from '../src/temporal/start-flows';
import { ingressManagerId, initialTransferId } from '../src/workflows/ingress/ids';
import { eventTimeMs, historySize, type HistorySize } from './lib/history';
import { MAPPING, PROFILE_EXTENSIONS, fifteenFieldMapping } from './lib/mappings';
import { MemorySampler, readMemory, resetPeak } from './lib/process-memory';
import { formatNumber, goal, type Results } from './lib/results';
import { startBenchStack, type BenchStack } from './lib/stack';
import { waitFor } from './lib/wait';

/** What one file-path transfer through the real worker measured. */
export interface TransferRun {
  rows: number;
  chunks: number;
  /** From starting the manager to the transfer workflow's completion (import included). */
  seconds: number;
  /** From the first chunk's start to the last chunk's upload (history timestamps). */
  uploadSeconds: number;
  bytesUploaded: number;
  /** Peak RSS of the worker process after its start (VmHWM reset once it polls). */
  peakMiB: number;
  /** Peak RSS of the worker process over its whole life (start-up with the workflow bundling included). */
  lifetimePeakMiB: number;
  /** RSS of the worker once it polls, before the transfer. */
  startRssMiB: number;
  transferHistory: HistorySize;
  managerHistory: HistorySize;
  profiles: number;
}

export interface TransferOptions {
  rows: number;
  /** Rows per chunk. @default 100,000 (the product default) */
  chunkRows?: number;
}

function transferStack(options: TransferOptions, temporal: boolean): Promise<BenchStack> {
  const chunkRows = options.chunkRows ?? 100_000;
  return startBenchStack({
    temporal,
    dynamics: { seedContacts: options.rows },
    campaign: { profile: PROFILE_EXTENSIONS },
    flows: {
      ingress: [
        fifteenFieldMapping({
          initialTransfer: {
            fileThreshold: Math.max(chunkRows, Math.min(500_000, options.rows - 1)),
            chunkRows,
            importWorkflow: 'WKF_IMPORT_PROFILE',
          },
        }),
      ],
    },
  });
}

/** Runs the initial transfer (file path) of `rows` contacts through the real worker process and measures it. */
export async function measureTransfer(options: TransferOptions): Promise<TransferRun> {
  const stack = await transferStack(options, true);
  try {
    const temporal = stack.temporal as NonNullable<BenchStack['temporal']>;
    const worker = await stack.startWorker();
    const pid = worker.pid as number;
    const atStart = readMemory(pid);
    resetPeak(pid);
    const sampler = new MemorySampler(pid);
    const started = Date.now();
    await startFlows(temporal.client, stack.config, temporal.taskQueue, [ingressManagerId(MAPPING)]);
    const transferId = initialTransferId(MAPPING, 1);
    const handle = temporal.client.workflow.getHandle(transferId);
    await waitFor('the initial transfer to start', () => handle.describe(), 120_000);
    await handle.result();
    const seconds = (Date.now() - started) / 1000;
    const memory = sampler.stop();
    const lifetimePeakMiB = Math.max(atStart?.peakMiB ?? 0, memory.peakMiB);
    const transferHistory = await historySize(temporal.client, transferId);
    const managerHistory = await historySize(temporal.client, ingressManagerId(MAPPING));
    const upload = await uploadPhase(stack, transferId);
    await temporal.client.workflow.getHandle(ingressManagerId(MAPPING)).terminate('benchmark done');
    await stopProcess(worker, 10_000);
    return {
      rows: options.rows,
      chunks: upload.chunks,
      seconds,
      uploadSeconds: upload.seconds,
      bytesUploaded: await uploadedBytes(stack),
      peakMiB: memory.peakMiB,
      lifetimePeakMiB,
      startRssMiB: atStart?.rssMiB ?? 0,
      transferHistory,
      managerHistory,
      profiles: stack.campaign.store.table('profile')?.size ?? 0,
    };
  } finally {
    await stack.close();
  }
}

/** From the first `writeIngressChunk` scheduled to the last one completed, in the transfer's history; and how many. */
async function uploadPhase(stack: BenchStack, workflowId: string): Promise<{ seconds: number; chunks: number }> {
  const client = (stack.temporal as NonNullable<BenchStack['temporal']>).client;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const chunkActivities = new Set<number>();
  let first: number | undefined;
  let last = 0;
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'writeIngressChunk') {
      chunkActivities.add(Number(event.eventId));
      first ??= eventTimeMs(event);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && chunkActivities.has(Number(completed.scheduledEventId))) last = eventTimeMs(event);
  }
  return { seconds: first === undefined ? 0 : (last - first) / 1000, chunks: chunkActivities.size };
}

async function uploadedBytes(stack: BenchStack): Promise<number> {
  const folder = path.join(stack.sftp.root, 'd365_loads', 'imports');
  let total = 0;
  for (const name of await readdir(folder)) {
    if (name.endsWith('.csv.gz')) total += (await stat(path.join(folder, name))).size;
  }
  return total;
}

/** What the baseline process measured. */
export interface BaselineRun {
  rows: number;
  records: number;
  bytes: number;
  uploadMs: number;
  totalMs: number;
  peakMiB: number;
}

/** Runs the same transfer without Temporal (bench/baseline-transfer.ts) in its own process, on a fresh stack. */
export async function measureBaseline(options: TransferOptions): Promise<BaselineRun> {
  const stack = await transferStack(options, false);
  try {
    const child = stack.spawnNode(path.join(__dirname, 'baseline-transfer.js'), [stack.configFile, MAPPING]);
    const sampler = new MemorySampler(child.pid as number);
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    const errors: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => errors.push(line));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const memory = sampler.stop();
    const line = lines.find((l) => l.startsWith('{'));
    if (code !== 0 || !line)
      throw new Error(`the baseline process failed (exit ${code}): ${errors.slice(-5).join(' | ')}`);
    const result = JSON.parse(line) as Omit<BaselineRun, 'peakMiB'>;
    return { ...result, peakMiB: memory.sampledMaxMiB };
  } finally {
    await stack.close();
  }
}

/** Benchmark 1: the file path at each size, with the baseline at the first size. */
export async function initialTransferBenchmark(
  results: Results,
  sizes: number[],
  withBaseline: boolean
): Promise<void> {
  for (const [index, rows] of sizes.entries()) {
    const run = await measureTransfer({ rows });
    const label = `${formatNumber(rows)} rows`;
    results.add(
      `${label}: end to end (start → import checked)`,
      `${formatNumber(run.seconds, 1)} s = ${formatNumber(rows / run.seconds)} rows/s`
    );
    results.add(
      `${label}: upload phase (${run.chunks} chunks)`,
      `${formatNumber(run.uploadSeconds, 1)} s = ${formatNumber(rows / run.uploadSeconds)} rows/s`
    );
    results.add(`${label}: import wait (end to end − upload)`, `${formatNumber(run.seconds - run.uploadSeconds, 1)} s`);
    results.add(
      `${label}: bytes uploaded (gzip CSV)`,
      `${formatNumber(run.bytesUploaded)} B (${formatNumber(run.bytesUploaded / rows, 1)} B/row)`
    );
    results.add(
      `${label}: worker peak RSS during the transfer (VmHWM)`,
      `${formatNumber(run.peakMiB, 1)} MiB`,
      goal('goal <= 300 MB', run.peakMiB * 1.048576 <= 300)
    );
    results.add(`${label}: worker RSS once started (before the transfer)`, `${formatNumber(run.startRssMiB, 1)} MiB`);
    results.add(
      `${label}: worker peak RSS over its life (start-up included)`,
      `${formatNumber(run.lifetimePeakMiB, 1)} MiB`
    );
    results.add(`${label}: profiles in Campaign after the import`, formatNumber(run.profiles));
    if (index === 0 && withBaseline) {
      const baseline = await measureBaseline({ rows });
      const baseRate = rows / (baseline.totalMs / 1000);
      const baseUpload = rows / (baseline.uploadMs / 1000);
      results.add(
        `${label}: baseline (no Temporal) end to end`,
        `${formatNumber(baseline.totalMs / 1000, 1)} s = ${formatNumber(baseRate)} rows/s`
      );
      results.add(
        `${label}: baseline upload phase`,
        `${formatNumber(baseline.uploadMs / 1000, 1)} s = ${formatNumber(baseUpload)} rows/s`
      );
      results.add(`${label}: baseline process peak RSS (sampled)`, `${formatNumber(baseline.peakMiB, 1)} MiB`);
      const ratio = rows / run.seconds / baseRate;
      results.add(
        `${label}: ratio worker / baseline, end to end`,
        formatNumber(ratio, 2),
        goal('goal >= 0.85', ratio >= 0.85)
      );
      results.add(
        `${label}: ratio worker / baseline, upload phase`,
        formatNumber(rows / run.uploadSeconds / baseUpload, 2)
      );
    }
  }
}
