import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import YAML from 'yaml';
import { validateConfig } from '../../src/config/load';
import { type Config, type ConfigInput } from '../../src/config/schema';
import {
  PRODUCTION_LIKE_CAMPAIGN_COST,
  startCampaignSimulator,
  type CampaignSimulator,
  type CampaignSimulatorOptions,
} from '../../src/sandbox/campaign';
import { startDevServer, stopProcess, type DevServer } from '../../src/sandbox/dev-server';
import {
  PRODUCTION_LIKE_DYNAMICS_COST,
  startDynamicsSimulator,
  type DynamicsSimulator,
  type DynamicsSimulatorOptions,
} from '../../src/sandbox/dynamics';
import { freePort } from '../../src/sandbox/ports';
import { startSshd, type SshdServer } from '../../src/sandbox/sshd';
import { workerCheckWorkflow } from '../../src/workflows';

/** The repository root (the benchmarks run from dist/.bench/bench/lib). */
export const PROJECT_ROOT = path.resolve(__dirname, '../../../..');

/** What a benchmark runs against; everything on loopback, started for this run and stopped by {@link BenchStack.close}. */
export interface BenchStackOptions {
  dynamics?: DynamicsSimulatorOptions;
  campaign?: CampaignSimulatorOptions;
  /** The Campaign client's `maxConcurrentRequests`. @default the product default */
  campaignConcurrency?: number;
  /** The D365 client's `maxConcurrentRequests` (1: one request in flight, the code before the controller). */
  dynamicsConcurrency?: number;
  /** The flows; connection settings are filled in. */
  flows: Pick<ConfigInput, 'ingress' | 'egress' | 'optOut'>;
  /** Start the Temporal dev server (the baseline runs without it). @default true */
  temporal?: boolean;
}

/** The running stack: simulators, sshd, optionally Temporal, and the configuration file a worker reads. */
export interface BenchStack {
  dir: string;
  dynamics: DynamicsSimulator;
  campaign: CampaignSimulator;
  sftp: SshdServer;
  config: Config;
  configFile: string;
  /** The secrets the configuration names, as environment variables. */
  secretEnv: Record<string, string>;
  /** Present when the stack runs Temporal. */
  temporal?: { server: DevServer; client: Client; connection: Connection; taskQueue: string };
  /**
   * Starts the real product worker as its own process (`node bin/acs-d365.js worker --config …`), and resolves once
   * it answers a check workflow. Its log goes to `<dir>/worker.log`.
   */
  startWorker(): Promise<ChildProcessWithoutNullStreams>;
  /** Starts `node <script> <args>` with the configuration's secrets in its environment (the baseline process). */
  spawnNode(script: string, args: string[]): ChildProcessWithoutNullStreams;
  close(): Promise<void>;
}

const SECRET_ENV = { d365: 'BENCH_D365_SECRET', campaign: 'BENCH_CAMPAIGN_SECRET', sftp: 'BENCH_SFTP_KEY' };

/** Starts the stack; on a failure part-way, stops what was started. */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'acs-bench-'));
  const stops: (() => Promise<void>)[] = [async () => rm(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    let temporal: BenchStack['temporal'];
    if (options.temporal ?? true) {
      const server = await startDevServer({
        executable: temporalCli(),
        port: await freePort(),
        uiPort: await freePort(),
        logFile: path.join(dir, 'temporal.log'),
      });
      stops.push(() => server.stop());
      const connection = await Connection.connect({ address: server.address });
      stops.push(() => connection.close());
      temporal = { server, connection, client: new Client({ connection }), taskQueue: 'acs-d365-bench' };
    }
    const sftp = await startSshd({ root: path.join(dir, 'campaign-storage') });
    stops.push(() => sftp.stop());
    const cost = benchCost();
    const dynamics = await startDynamicsSimulator({ tls: true, ...cost.dynamics, ...options.dynamics });
    stops.push(() => dynamics.close());
    const campaign = await startCampaignSimulator({
      commandDelayMs: 20,
      sftpRoot: sftp.root,
      ...cost.campaign,
      ...options.campaign,
    });
    stops.push(() => campaign.close());
    const caFile = path.join(dir, 'dynamics-ca.pem');
    await writeFile(caFile, dynamics.caCertificate ?? '');
    const input: ConfigInput = {
      dynamics: {
        url: dynamics.url,
        authorityHost: dynamics.url,
        tenantId: dynamics.tenantId,
        clientId: dynamics.clientId,
        clientSecretEnv: SECRET_ENV.d365,
        caFile,
        ...(options.dynamicsConcurrency ? { maxConcurrentRequests: options.dynamicsConcurrency } : {}),
      },
      campaign: {
        organization: campaign.organization,
        baseUrl: campaign.baseUrl,
        imsUrl: campaign.imsUrl,
        clientId: campaign.clientId,
        clientSecretEnv: SECRET_ENV.campaign,
        ...(options.campaignConcurrency ? { maxConcurrentRequests: options.campaignConcurrency } : {}),
        sftp: {
          host: sftp.host,
          port: sftp.port,
          username: sftp.username,
          privateKeyEnv: SECRET_ENV.sftp,
          hostKeyFingerprints: [sftp.hostKeyFingerprint],
          root: `${sftp.root}/d365_loads`,
        },
      },
      temporal: {
        address: temporal?.server.address ?? '127.0.0.1:1',
        namespace: 'default',
        taskQueue: 'acs-d365-bench',
      },
      reports: { folder: path.join(dir, 'reports') },
      ...options.flows,
    };
    const result = validateConfig(input);
    if (!result.ok) throw new Error(`benchmark configuration is invalid: ${JSON.stringify(result.problems)}`);
    const configFile = path.join(dir, 'acs-d365.yaml');
    await writeFile(configFile, YAML.stringify(input));
    const secretEnv = {
      [SECRET_ENV.d365]: dynamics.clientSecret,
      [SECRET_ENV.campaign]: campaign.clientSecret,
      [SECRET_ENV.sftp]: sftp.privateKey,
    };
    const children = new Set<ChildProcessWithoutNullStreams>();
    stops.push(async () => {
      await Promise.all([...children].map((child) => stopProcess(child, 10_000)));
    });
    const spawnNode = (script: string, args: string[]): ChildProcessWithoutNullStreams => {
      // Node flags that NODE_OPTIONS refuses (e.g. --cpu-prof) go on the command line.
      const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          ...secretEnv,
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
          // Node options for the worker and baseline processes only, not for the benchmark's.
          NODE_OPTIONS: childNodeOptions(),
        },
      });
      const log = createWriteStream(path.join(dir, `${path.basename(script, '.js')}-${child.pid}.log`));
      child.stderr.pipe(log);
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    };
    return {
      dir,
      dynamics,
      campaign,
      sftp,
      config: result.config,
      configFile,
      secretEnv,
      ...(temporal ? { temporal } : {}),
      async startWorker() {
        if (!temporal) throw new Error('this stack runs without Temporal');
        const child = spawnNode(path.join(PROJECT_ROOT, 'bin/acs-d365.js'), ['worker', '--config', configFile]);
        child.stdout.resume();
        await temporal.client.workflow.execute(workerCheckWorkflow, {
          taskQueue: temporal.taskQueue,
          workflowId: `bench:worker-check:${Date.now()}`,
          workflowExecutionTimeout: '2m',
        });
        return child;
      },
      spawnNode,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The Temporal CLI, found or installed by scripts/install-temporal.sh (src/sandbox/temporal-cli.ts looks for the
 * script next to its own folder, which the benchmarks' build moves).
 */
export function temporalCli(): string {
  const script = path.join(PROJECT_ROOT, 'scripts', 'install-temporal.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * `NODE_OPTIONS` of the worker and baseline processes: `BENCH_CHILD_NODE_OPTIONS` when set (empty: Node's defaults),
 * else the worker image's (`ENV NODE_OPTIONS=…` in the Dockerfile), so the worker runs as it ships.
 */
export function childNodeOptions(): string {
  const override = process.env.BENCH_CHILD_NODE_OPTIONS;
  if (override !== undefined) return override;
  const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  const shipped = /^ENV\b.*\bNODE_OPTIONS=("[^"]*"|\S+)/m.exec(dockerfile)?.[1];
  if (!shipped) throw new Error('the Dockerfile sets no NODE_OPTIONS: set BENCH_CHILD_NODE_OPTIONS');
  return shipped.replace(/^"(.*)"$/, '$1');
}

/**
 * The simulators' cost model for this run: `BENCH_COST=production` (what `npm run bench -- --cost production` sets)
 * makes them cost what the real services cost (docs/cost-model.md); unset or `none`, they answer at once. A
 * benchmark's own simulator options override it.
 */
export function benchCost(): {
  dynamics: Pick<DynamicsSimulatorOptions, 'cost'>;
  campaign: Pick<CampaignSimulatorOptions, 'cost'>;
} {
  const preset = process.env.BENCH_COST ?? 'none';
  if (preset === 'none') return { dynamics: {}, campaign: {} };
  if (preset !== 'production') throw new Error(`BENCH_COST must be none or production, not ${preset}`);
  return { dynamics: { cost: PRODUCTION_LIKE_DYNAMICS_COST }, campaign: { cost: PRODUCTION_LIKE_CAMPAIGN_COST } };
}
