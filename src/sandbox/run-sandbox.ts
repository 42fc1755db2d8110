import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import YAML from 'yaml';
import { type Config } from '../config/schema';
import { createLogger } from '../logging/logger';
import { startFlows } from '../temporal/start-flows';
import { workerCheckWorkflow } from '../workflows';
import { runWorker } from '../worker';
import { startDevServer } from './dev-server';
import { isPortFree } from './ports';
import {
  SANDBOX_CUSTOM_RESOURCES,
  SANDBOX_SECRETS,
  SANDBOX_SFTP_KEY_ENV,
  sandboxConfig,
  sandboxConfigInput,
} from './sandbox-config';
import { followInitialTransfers } from './transfer-progress';
import { PRODUCTION_LIKE_CAMPAIGN_COST, startCampaignSimulator } from './campaign';
import {
  PRODUCTION_LIKE_DYNAMICS_COST,
  startChangeGenerator,
  startDynamicsSimulator,
  startLoyaltyData,
} from './dynamics';
import { startSshd } from './sshd';
import { resolveTemporalCli } from './temporal-cli';

const SANDBOX_D365_TENANT_ID = '5a4d1b6c-0000-4000-8000-00000000a365';
const SANDBOX_D365_CLIENT_ID = '5a4d1b6c-0000-4000-8000-00000000c11e';
/** Above the sandbox's file threshold (5,000), so the initial transfer goes by file as it would for a big table. */
const SANDBOX_SEED_CONTACTS = 12_000;

export interface SandboxOptions {
  /** Temporal frontend port. @default 7233 */
  port: number;
  /** Temporal Web UI port. @default 8233 */
  uiPort: number;
  /** Where the sandbox keeps its database, files and logs. @default .sandbox */
  dataDir: string;
  /** Start from an empty Temporal database and empty storage. */
  fresh: boolean;
  /** Receives the lines meant for the person running the sandbox. */
  print: (line: string) => void;
  /** Receives progress text as is (a terminal gets lines redrawn in place). @default no progress */
  progress?: { write: (text: string) => void; isTty: boolean };
}

/**
 * Runs the local stack until SIGINT/SIGTERM: the Temporal dev server with its Web UI, an OpenSSH server standing in
 * for the Campaign SFTP storage, and the worker with the sandbox configuration; then stops everything it started,
 * in reverse order.
 */
export async function runSandbox(options: SandboxOptions): Promise<void> {
  for (const [name, port] of [
    ['--port', options.port],
    ['--ui-port', options.uiPort],
  ] as const) {
    if (!(await isPortFree(port))) {
      throw new Error(
        `port ${port} is already in use (another Temporal or sandbox running?). Stop it, or pass ${name} <free port>.`
      );
    }
  }
  const dataDir = path.resolve(options.dataDir);
  if (options.fresh) await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const stops: { name: string; stop: () => void | Promise<void> }[] = [];
  let sayStopping = (): void => undefined;
  try {
    options.print('Starting the Temporal dev server…');
    const server = await startDevServer({
      executable: resolveTemporalCli(),
      port: options.port,
      uiPort: options.uiPort,
      dbFile: path.join(dataDir, 'temporal.db'),
      logFile: path.join(dataDir, 'temporal.log'),
    });
    stops.push({ name: 'the Temporal dev server', stop: () => server.stop() });

    options.print('Starting the SFTP server (Campaign storage)…');
    const sftp = await startSshd({ root: path.join(dataDir, 'campaign-storage') });
    stops.push({ name: 'the SFTP server', stop: () => sftp.stop() });

    options.print('Starting the Dynamics 365 simulator…');
    const dynamics = await startDynamicsSimulator({
      tls: true,
      tenantId: SANDBOX_D365_TENANT_ID,
      clientId: SANDBOX_D365_CLIENT_ID,
      clientSecret: SANDBOX_SECRETS.SANDBOX_D365_CLIENT_SECRET,
      seedContacts: SANDBOX_SEED_CONTACTS,
      // The sandbox costs what the real services cost (docs/cost-model.md), so what a user sees is what to expect.
      cost: PRODUCTION_LIKE_DYNAMICS_COST,
    });
    stops.push({ name: 'the Dynamics 365 simulator', stop: () => dynamics.close() });
    const liveEdits = startChangeGenerator(dynamics.db, { changesPerSecond: 1 });
    stops.push({ name: 'the live D365 edits', stop: () => liveEdits.stop() });
    const loyalty = startLoyaltyData(dynamics.db);
    stops.push({ name: 'the live loyalty programs', stop: () => loyalty.stop() });
    const dynamicsCaFile = path.join(dataDir, 'dynamics-simulator-ca.pem');
    await writeFile(dynamicsCaFile, dynamics.caCertificate ?? '');

    options.print('Starting the Adobe Campaign Standard simulator…');
    const campaign = await startCampaignSimulator({
      organization: 'sandbox-org',
      clientId: 'sandbox-campaign-client',
      clientSecret: SANDBOX_SECRETS.SANDBOX_CAMPAIGN_CLIENT_SECRET,
      sftpRoot: sftp.root,
      exports: { intervalMs: 30_000 },
      customResources: SANDBOX_CUSTOM_RESOURCES,
      cost: PRODUCTION_LIKE_CAMPAIGN_COST,
      logger: createLogger({ bindings: { component: 'campaign-simulator' }, level: 'warn' }),
    });
    stops.push({ name: 'the Campaign simulator', stop: () => campaign.close() });

    const endpoints = {
      temporalAddress: server.address,
      dynamicsUrl: dynamics.url,
      dynamicsAuthorityHost: dynamics.url,
      dynamicsTenantId: dynamics.tenantId,
      dynamicsClientId: dynamics.clientId,
      dynamicsCaFile,
      campaignBaseUrl: campaign.baseUrl,
      campaignImsUrl: campaign.imsUrl,
      sftpHost: sftp.host,
      sftpPort: sftp.port,
      sftpUsername: sftp.username,
      sftpHostKeyFingerprint: sftp.hostKeyFingerprint,
      sftpRoot: sftp.root,
      reportsFolder: path.join(dataDir, 'reports'),
    };
    const config = sandboxConfig(endpoints);
    const configFile = path.join(dataDir, 'acs-d365.yaml');
    await writeFile(
      configFile,
      `# Written by acs-d365 sandbox for the CLI commands it suggests; rewritten at every start.\n${YAML.stringify(sandboxConfigInput(endpoints))}`
    );
    const logger = createLogger({ bindings: { component: 'worker' }, level: process.env.LOG_LEVEL ?? 'warn' });
    // The worker stops first, and quietly: say why Ctrl-C takes a moment.
    const grace = config.worker.shutdownGraceTime;
    sayStopping = (): void => options.print(`\nStopping the worker (running activities get up to ${grace})…`);
    process.once('SIGINT', sayStopping).once('SIGTERM', sayStopping);
    await runWorker({
      config,
      logger,
      env: {
        ...process.env,
        ...SANDBOX_SECRETS,
        [SANDBOX_SFTP_KEY_ENV]: sftp.privateKey,
        TEMPORAL_ADDRESS: server.address,
      },
      onReady: ({ taskQueue }) => {
        void announceWhenWorkerAnswers(
          {
            address: server.address,
            taskQueue,
            uiUrl: server.uiUrl,
            sftp: `${sftp.host}:${sftp.port} (${sftp.root})`,
            campaign: campaign.baseUrl,
            dynamics: dynamics.apiUrl,
            configFile: shortPath(configFile),
          },
          config,
          options,
          (stop) => stops.push({ name: 'the progress display', stop })
        );
      },
    });
  } finally {
    process.off('SIGINT', sayStopping).off('SIGTERM', sayStopping);
    for (const { name, stop } of stops.reverse()) {
      options.print(`Stopping ${name}…`);
      await stop();
    }
    options.print('Sandbox stopped.');
  }
}

interface SandboxAddresses {
  address: string;
  taskQueue: string;
  uiUrl: string;
  sftp: string;
  campaign: string;
  dynamics: string;
  configFile: string;
}

async function announceWhenWorkerAnswers(
  where: SandboxAddresses,
  config: Config,
  options: Pick<SandboxOptions, 'print' | 'progress'>,
  onStop: (stop: () => Promise<void>) => void
): Promise<void> {
  const { print } = options;
  const connection = await Connection.connect({ address: where.address });
  let stopFollowing = (): Promise<void> => Promise.resolve();
  onStop(async () => {
    await stopFollowing();
    await connection.close();
  });
  try {
    const client = new Client({ connection });
    const description = await client.workflow.execute(workerCheckWorkflow, {
      taskQueue: where.taskQueue,
      workflowId: `system:worker-check:${Date.now()}`,
      workflowExecutionTimeout: '1m',
    });
    const flows = await startFlows(client, config, where.taskQueue, ['all']);
    const cli = `node bin/acs-d365.js`;
    const withConfig = `--config ${where.configFile}`;
    print('');
    print(`Sandbox ready (worker ${description.version} on task queue ${description.taskQueue}).`);
    print(`  Flows running:     ${flows.map((flow) => flow.workflowId).join(', ')}`);
    print(`  Temporal Web UI:   ${where.uiUrl}`);
    print(`  Temporal address:  ${where.address}`);
    print(`  SFTP storage:      ${where.sftp}`);
    print(`  Dynamics 365 API:  ${where.dynamics}`);
    print(`  Campaign API:      ${where.campaign}`);
    print(`  Configuration:     ${where.configFile}`);
    print('');
    print('Try, in another terminal:');
    print(`  ${cli} status --watch ${withConfig}        every flow, live`);
    print(`  ${cli} runs ingress:contacts ${withConfig}  pass history`);
    print(`  ${cli} sync-now all ${withConfig}           run every flow's pass now`);
    print(`  ${cli} rejects ingress:contacts ${withConfig}`);
    print(`  ${cli} verify --in-worker ${withConfig}      do D365 and Campaign agree? (exit 0, or 3 with the keys)`);
    print(`  ${cli} pause egress ${withConfig}   /   resume egress`);
    print('');
    print('Press Ctrl-C to stop.');
    if (options.progress) {
      const ingress = flows.map((flow) => flow.workflowId).filter((id) => id.startsWith('ingress:'));
      stopFollowing = followInitialTransfers(client, ingress, options.progress.write, options.progress.isTty);
    }
  } catch (err) {
    print(`The worker did not answer its check workflow: ${(err as Error).message}`);
  }
}

/** The path relative to the working directory when it lies inside it, else absolute: what a user can paste. */
function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
