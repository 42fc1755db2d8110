import { readFileSync } from 'node:fs';
import { type Config } from '../config/schema';

/** Everything needed to reach Temporal; built from the config's `temporal` block and the environment. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Temporal Cloud API key (implies TLS). */
  apiKey?: string;
  tls?: { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer; serverNameOverride?: string };
}

type TemporalBlock = Config['temporal'];

const DEFAULTS: TemporalBlock = { address: 'localhost:7233', namespace: 'default', taskQueue: 'acs-d365-sync' };

/**
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE override the file, so one config serves several
 * environments. TLS files are read here, by the process that connects.
 */
export function temporalSettings(
  block: TemporalBlock = DEFAULTS,
  apiKey?: string,
  env: NodeJS.ProcessEnv = process.env
): TemporalSettings {
  const settings: TemporalSettings = {
    address: env.TEMPORAL_ADDRESS || block.address,
    namespace: env.TEMPORAL_NAMESPACE || block.namespace,
    taskQueue: env.TEMPORAL_TASK_QUEUE || block.taskQueue,
  };
  if (apiKey) settings.apiKey = apiKey;
  if (block.tls) {
    settings.tls = {
      clientCertPair: {
        crt: readPem(block.tls.certFile, 'temporal.tls.certFile'),
        key: readPem(block.tls.keyFile, 'temporal.tls.keyFile'),
      },
      ...(block.tls.caFile ? { serverRootCACertificate: readPem(block.tls.caFile, 'temporal.tls.caFile') } : {}),
      ...(block.tls.serverName ? { serverNameOverride: block.tls.serverName } : {}),
    };
  }
  return settings;
}

/** Options for `NativeConnection.connect` / `Connection.connect`. */
export function connectionOptions(settings: TemporalSettings): {
  address: string;
  apiKey?: string;
  tls?: TemporalSettings['tls'] | true;
} {
  return {
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.tls ? { tls: settings.tls } : settings.apiKey ? { tls: true } : {}),
  };
}

function readPem(file: string, configPath: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${configPath} (${file}): ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`);
  }
}
