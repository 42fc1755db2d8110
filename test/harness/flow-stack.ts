import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import YAML from 'yaml';
import { createActivities, createWorkerResources, type WorkerResources } from '../../src/activities';
import { keepAliveInterceptor } from '../../src/activities/keep-alive';
import { validateConfig } from '../../src/config/load';
import { type Config, type ConfigInput } from '../../src/config/schema';
import { createLogger } from '../../src/logging/logger';
import {
  startCampaignSimulator,
  type CampaignSimulator,
  type CampaignSimulatorOptions,
} from '../../src/sandbox/campaign';
import {
  startDynamicsSimulator,
  type DynamicsSimulator,
  type DynamicsSimulatorOptions,
} from '../../src/sandbox/dynamics';
import { startSshd, type SshdServer } from '../../src/sandbox/sshd';
import { startCli } from './cli';
import { connectToTestTemporal, uniqueTaskQueue, type TemporalTestConnections } from './temporal';

/**
 * Everything a flow runs against, for real: the Temporal dev server of the test run, the D365 simulator over TLS,
 * the Campaign simulator, an OpenSSH server as the Campaign storage, and a worker with the product's activities.
 */
export interface FlowStack {
  temporal: TemporalTestConnections;
  dynamics: DynamicsSimulator;
  campaign: CampaignSimulator;
  sftp: SshdServer;
  /** The configuration workers started from now on run (see {@link reconfigure}). */
  config: Config;
  /**
   * Replaces the flows of the configuration (file included), as an operator editing the file would: workers started
   * after this call run the new one; running workers keep theirs until restarted.
   */
  reconfigure(flows: FlowStackOptions['flows']): Promise<void>;
  /** Clients for the test's own reads and writes (as the worker would build them). */
  resources: WorkerResources;
  taskQueue: string;
  dir: string;
  /** The configuration as a file, for the CLI; its secrets are in {@link secretEnv}. */
  configFile: string;
  secretEnv: Record<string, string>;
  /** Starts a worker in this process on the stack's task queue. */
  startWorker(): Promise<RunningWorker>;
  /**
   * Starts `acs-d365 worker` as a child process with the stack's configuration file and secrets in its environment,
   * so that a test can kill it (SIGKILL) as a crash would. Needs `npm run build`.
   */
  startWorkerProcess(): ChildProcessWithoutNullStreams;
  /** SIGKILLs every worker process started so far and waits until they are gone. */
  killWorkerProcesses(): Promise<void>;
  close(): Promise<void>;
}

export interface RunningWorker {
  stop(): Promise<void>;
}

export interface FlowStackOptions {
  dynamics?: DynamicsSimulatorOptions;
  campaign?: CampaignSimulatorOptions;
  /** D365 rows per page. @default 5000 */
  pageSize?: number;
  /** Connects to another Temporal server than the test run's (e.g. one the test restarts). @default the run's */
  connect?: () => Promise<TemporalTestConnections>;
  /** `temporal.deployment`: the prefix of the stack's workflow ids. @default none */
  deployment?: string;
  /** The flows to configure; connection settings are filled in by the stack. */
  flows: Pick<ConfigInput, 'ingress' | 'egress' | 'optOut' | 'verify'>;
  /** `reports.sftpFolder`, to publish reports to the Campaign SFTP. @default none */
  reportsSftpFolder?: string;
  /** The worker process's settings (metrics address, shutdown grace time). @default the defaults */
  worker?: ConfigInput['worker'];
}

export async function startFlowStack(options: FlowStackOptions): Promise<FlowStack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'acs-flow-'));
  const temporal = await (options.connect ?? connectToTestTemporal)();
  const sftp = await startSshd({ root: path.join(dir, 'campaign-storage') });
  const dynamics = await startDynamicsSimulator({ tls: true, ...options.dynamics });
  const campaign = await startCampaignSimulator({ commandDelayMs: 20, sftpRoot: sftp.root, ...options.campaign });
  const caFile = path.join(dir, 'dynamics-ca.pem');
  await writeFile(caFile, dynamics.caCertificate ?? '');
  const taskQueue = uniqueTaskQueue('flow');
  const input = {
    dynamics: {
      url: dynamics.url,
      authorityHost: dynamics.url,
      tenantId: dynamics.tenantId,
      clientId: dynamics.clientId,
      clientSecretEnv: 'TEST_D365_SECRET',
      caFile,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    },
    campaign: {
      organization: campaign.organization,
      baseUrl: campaign.baseUrl,
      imsUrl: campaign.imsUrl,
      clientId: campaign.clientId,
      clientSecretEnv: 'TEST_CAMPAIGN_SECRET',
      sftp: {
        host: sftp.host,
        port: sftp.port,
        username: sftp.username,
        privateKeyEnv: 'TEST_SFTP_KEY',
        hostKeyFingerprints: [sftp.hostKeyFingerprint],
        root: `${sftp.root}/d365_loads`,
      },
    },
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      ...(options.deployment ? { deployment: options.deployment } : {}),
    },
    reports: {
      folder: path.join(dir, 'reports'),
      ...(options.reportsSftpFolder ? { sftpFolder: options.reportsSftpFolder } : {}),
    },
    ...(options.worker ? { worker: options.worker } : {}),
    ...options.flows,
  };
  const configFile = path.join(dir, 'acs-d365.yaml');
  const writeConfig = async (flows: FlowStackOptions['flows']): Promise<Config> => {
    const withFlows = { ...input, ingress: undefined, egress: undefined, optOut: undefined, ...flows };
    const result = validateConfig(withFlows);
    if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.problems)}`);
    await writeFile(configFile, YAML.stringify(withFlows));
    return result.config;
  };
  const config = await writeConfig(options.flows);
  const secrets = {
    dynamicsClientSecret: dynamics.clientSecret,
    campaignClientSecret: campaign.clientSecret,
    sftpPrivateKey: sftp.privateKey,
  };
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent', format: 'json' });
  const workers = new Set<RunningWorker>();
  const secretEnv = {
    TEST_D365_SECRET: secrets.dynamicsClientSecret,
    TEST_CAMPAIGN_SECRET: secrets.campaignClientSecret,
    TEST_SFTP_KEY: secrets.sftpPrivateKey,
  };
  const testResources = createWorkerResources(config, secrets, logger);
  const children = new Set<ChildProcessWithoutNullStreams>();

  const stack: FlowStack = {
    temporal,
    dynamics,
    campaign,
    sftp,
    config,
    async reconfigure(flows) {
      stack.config = await writeConfig(flows);
    },
    resources: testResources,
    taskQueue,
    dir,
    configFile,
    secretEnv,
    async startWorker() {
      const resources: WorkerResources = createWorkerResources(stack.config, secrets, logger);
      const worker = await Worker.create({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace,
        taskQueue,
        workflowsPath: require.resolve('../../src/workflows'),
        activities: createActivities({ resources }),
        interceptors: { activity: [keepAliveInterceptor] },
      });
      const running = worker.run();
      const handle: RunningWorker = {
        async stop() {
          workers.delete(handle);
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
          await resources.close();
        },
      };
      workers.add(handle);
      return handle;
    },
    startWorkerProcess() {
      const child = startCli(['worker', '--config', configFile], {
        ...secretEnv,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      });
      // Drain the pipes: a child whose pipe buffer fills up stops.
      child.stdout.resume();
      child.stderr.resume();
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    async killWorkerProcesses() {
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            })
        )
      );
    },
    async close() {
      for (const child of children) child.kill('SIGKILL');
      for (const worker of [...workers]) await worker.stop();
      await testResources.close();
      await campaign.close();
      await dynamics.close();
      await sftp.stop();
      await temporal.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
