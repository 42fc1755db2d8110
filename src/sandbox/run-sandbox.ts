import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '../logging/logger';
import { workerCheckWorkflow } from '../workflows';
import { runWorker } from '../worker';
import { startDevServer } from './dev-server';
import { isPortFree } from './ports';
import { SANDBOX_SECRETS, sandboxConfig } from './sandbox-config';
import { resolveTemporalCli } from './temporal-cli';

export interface SandboxOptions {
  /** Temporal frontend port. @default 7233 */
  port: number;
  /** Temporal Web UI port. @default 8233 */
  uiPort: number;
  /** Where the sandbox keeps its database and logs. @default .sandbox */
  dataDir: string;
  /** Start from an empty Temporal database. */
  fresh: boolean;
  /** Receives the lines meant for the person running the sandbox. */
  print: (line: string) => void;
}

/**
 * Runs the local stack until SIGINT/SIGTERM: the Temporal dev server with its Web UI and the worker with the
 * sandbox configuration, then stops everything it started.
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

  options.print('Starting the Temporal dev server…');
  const server = await startDevServer({
    executable: resolveTemporalCli(),
    port: options.port,
    uiPort: options.uiPort,
    dbFile: path.join(dataDir, 'temporal.db'),
    logFile: path.join(dataDir, 'temporal.log'),
  });
  try {
    const config = sandboxConfig({
      temporalAddress: server.address,
      // Simulator endpoints (filled in as the simulators join the sandbox).
      dynamicsUrl: 'http://127.0.0.1:0',
      dynamicsAuthorityHost: 'https://127.0.0.1:0',
      campaignBaseUrl: 'http://127.0.0.1:0/sandbox-org/campaign',
      campaignImsUrl: 'http://127.0.0.1:0/ims/token/v3',
      sftpHost: '127.0.0.1',
      sftpPort: 22,
    });
    const logger = createLogger({ bindings: { component: 'worker' }, level: process.env.LOG_LEVEL ?? 'warn' });
    await runWorker({
      config,
      logger,
      env: { ...process.env, ...SANDBOX_SECRETS, TEMPORAL_ADDRESS: server.address },
      onReady: ({ taskQueue }) => {
        void announceWhenWorkerAnswers(server.address, taskQueue, server.uiUrl, options.print);
      },
    });
  } finally {
    options.print('Stopping the Temporal dev server…');
    await server.stop();
    options.print('Sandbox stopped.');
  }
}

async function announceWhenWorkerAnswers(
  address: string,
  taskQueue: string,
  uiUrl: string,
  print: (line: string) => void
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const description = await client.workflow.execute(workerCheckWorkflow, {
      taskQueue,
      workflowId: `system:worker-check:${Date.now()}`,
      workflowExecutionTimeout: '1m',
    });
    print('');
    print(`Sandbox ready (worker ${description.version} on task queue ${description.taskQueue}).`);
    print(`  Temporal Web UI:   ${uiUrl}`);
    print(`  Temporal address:  ${address}`);
    print('');
    print('Try, in another terminal:');
    print(`  TEMPORAL_ADDRESS=${address} node bin/acs-d365.js status`);
    print('');
    print('Press Ctrl-C to stop.');
  } catch (err) {
    print(`The worker did not answer its check workflow: ${(err as Error).message}`);
  } finally {
    await connection.close();
  }
}
