import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';

let runtimeInstalled = false;

/** Quiets the SDK's own logs in tests (must run before the first connection in a test process). */
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export interface TemporalTestConnections {
  client: Client;
  nativeConnection: NativeConnection;
  namespace: string;
  address: string;
  close(): Promise<void>;
}

/** Connects to the run-wide dev server started by the jest global setup. */
export async function connectToTestTemporal(): Promise<TemporalTestConnections> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests through jest (global setup).');
  const namespace = process.env.TEMPORAL_TEST_NAMESPACE ?? 'default';
  installQuietRuntime();
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  return {
    client,
    nativeConnection,
    namespace,
    address,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A task queue name unique to one test, so that tests never pick up each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
