import { Client, Connection } from '@temporalio/client';
import { readSecrets } from '../config/secrets';
import { connectionOptions, temporalSettings, type TemporalSettings } from '../temporal/connection-settings';
import { loadConfigOrExit } from './config-file';
import { CliError } from './errors';

export interface ConnectedClient {
  client: Client;
  settings: TemporalSettings;
  close(): Promise<void>;
}

/**
 * A Temporal client for CLI commands. With a configuration file, its `temporal` block and secrets are used;
 * without one, the defaults and TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TASK_QUEUE.
 */
export async function connectClient(configFile: string | undefined): Promise<ConnectedClient> {
  let settings: TemporalSettings;
  if (configFile) {
    const config = await loadConfigOrExit(configFile);
    const apiKey = config.temporal.apiKeyEnv ? readSecrets(config).temporalApiKey : undefined;
    settings = temporalSettings(config.temporal, apiKey);
  } else {
    settings = temporalSettings();
  }
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: '5s' });
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${settings.address}: ${(err as Error).message}. ` +
        "Is the server running (acs-d365 sandbox)? Set TEMPORAL_ADDRESS or the config's temporal.address."
    );
  }
  return {
    client: new Client({ connection, namespace: settings.namespace }),
    settings,
    close: () => connection.close(),
  };
}
