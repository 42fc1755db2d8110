import { Client, Connection } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { codecDataConverter } from '../temporal/codec';
import {
  connectionOptions,
  readEnvSecret,
  temporalSettings,
  type TemporalSettings,
} from '../temporal/connection-settings';
import { loadConfigOrExit } from './config-file';
import { CliError } from './errors';

export interface ConnectedClient {
  client: Client;
  settings: TemporalSettings;
  close(): Promise<void>;
}

/**
 * A Temporal client for CLI commands. With a configuration file, its `temporal` block, secrets and payload encryption
 * keys are used (the same data converter as the worker, so that queries and results decode); without one, the
 * defaults and TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TASK_QUEUE.
 */
export async function connectClient(configFile: string | undefined): Promise<ConnectedClient> {
  let settings: TemporalSettings;
  let dataConverter: DataConverter | undefined;
  if (configFile) {
    const config = await loadConfigOrExit(configFile);
    try {
      // Only the Temporal secrets: a CLI client needs no D365 or Campaign credentials.
      settings = temporalSettings(config.temporal, temporalApiKey(config.temporal.apiKeyEnv));
      dataConverter = codecDataConverter(config.temporal);
    } catch (err) {
      throw err instanceof CliError ? err : new CliError((err as Error).message);
    }
  } else {
    settings = temporalSettings();
  }
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: '5s' });
  } catch (err) {
    // The SDK wraps the gRPC error; its cause says why (UNAUTHENTICATED, a TLS handshake failure, UNAVAILABLE).
    const cause = (err as Error).cause instanceof Error ? ` (${((err as Error).cause as Error).message})` : '';
    throw new CliError(
      `cannot reach Temporal at ${settings.address}: ${(err as Error).message}${cause}. ` +
        "Is the server running (acs-d365 sandbox)? Set TEMPORAL_ADDRESS or the config's temporal.address; " +
        'check temporal.tls and temporal.apiKeyEnv.'
    );
  }
  return {
    client: new Client({ connection, namespace: settings.namespace, ...(dataConverter ? { dataConverter } : {}) }),
    settings,
    close: () => connection.close(),
  };
}

function temporalApiKey(envName: string | undefined): string | undefined {
  if (!envName) return undefined;
  const key = readEnvSecret(envName);
  if (!key) throw new CliError(`missing secret: ${envName} (named by temporal.apiKeyEnv). Set it, or ${envName}_FILE.`);
  return key;
}
