import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../src/sandbox/dev-server';
import { freePort } from '../../src/sandbox/ports';
import { resolveTemporalCli } from '../../src/sandbox/temporal-cli';
import { type TemporalTestConnections } from './temporal';

/**
 * A Temporal dev server of one test file (not the run-wide one), persisted in a SQLite file so that the test can
 * stop and start it again on the same ports, as an operator restarting the server would.
 */
export interface OwnTemporal {
  address: string;
  /** Opens a client and a worker connection to this server (for FlowStack's `connect`). */
  connect(): Promise<TemporalTestConnections>;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and starts it again on the same ports and database. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev --db-filename <temp>/temporal.db` on free loopback ports. */
export async function startOwnTemporal(): Promise<OwnTemporal> {
  const dir = await mkdtemp(path.join(tmpdir(), 'acs-own-temporal-'));
  const options = {
    executable: resolveTemporalCli(),
    port: await freePort(),
    uiPort: await freePort(),
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'temporal.log'),
  };
  let server: DevServer | undefined = await startDevServer(options);
  const address = server.address;
  return {
    address,
    async connect() {
      quietRuntimeOnce();
      const nativeConnection = await NativeConnection.connect({ address });
      const connection = await Connection.connect({ address });
      return {
        client: new Client({ connection, namespace: 'default' }),
        nativeConnection,
        namespace: 'default',
        address,
        async close() {
          await connection.close();
          await nativeConnection.close();
        },
      };
    },
    async restart(downMs = 1_000) {
      await server?.stop();
      server = undefined;
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await startDevServer(options);
    },
    async stop() {
      await server?.stop();
      server = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let runtimeInstalled = false;

/** The SDK logs at INFO by default; tests want warnings only (the runtime is per process, installed once). */
function quietRuntimeOnce(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}
