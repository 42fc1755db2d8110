import { readFileSync } from 'node:fs';
import { type Config } from '../config/schema';

/** Everything needed to reach Temporal; built from the config's `temporal` block and the environment. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Temporal Cloud API key (implies TLS). */
  apiKey?: string;
  tls?: {
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverRootCACertificate?: Buffer;
    serverNameOverride?: string;
  };
}

type TemporalBlock = Config['temporal'];

const DEFAULTS: TemporalBlock = { address: 'localhost:7233', namespace: 'default', taskQueue: 'acs-d365-sync' };

/**
 * The file's `temporal` block, overridden by the environment variables that Temporal's own tools use
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_CLIENT_CERT_PATH,
 * TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME) plus
 * TEMPORAL_TASK_QUEUE, so that one file serves several environments. TLS files are read by the process that connects.
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
  const key = apiKey || env.TEMPORAL_API_KEY;
  if (key) settings.apiKey = key;
  const certFile = env.TEMPORAL_TLS_CLIENT_CERT_PATH || block.tls?.certFile;
  const keyFile = env.TEMPORAL_TLS_CLIENT_KEY_PATH || block.tls?.keyFile;
  const caFile = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH || block.tls?.caFile;
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || block.tls?.serverName;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new Error(
      'mTLS needs both a client certificate and its key: set temporal.tls.certFile and keyFile ' +
        '(or TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH).'
    );
  }
  // TLS is on with the block (even empty), a client certificate, or a private CA or server name to check.
  if (block.tls || certFile || caFile || serverName) {
    settings.tls = {
      ...(certFile && keyFile
        ? {
            clientCertPair: {
              crt: readPem(certFile, 'the TLS client certificate'),
              key: readPem(keyFile, 'the TLS client key'),
            },
          }
        : {}),
      ...(caFile ? { serverRootCACertificate: readPem(caFile, 'the TLS server CA certificate') } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
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

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${what} (${file}): ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`);
  }
}

/**
 * Reads a secret the way every `…Env` setting works: `NAME` holds the value, or `NAME_FILE` the path of a file holding
 * it (Docker and Kubernetes secrets). Undefined when neither is set; an unreadable file throws, naming the variable
 * and the path (never the value).
 */
export function readEnvSecret(envName: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const direct = env[envName];
  if (direct !== undefined && direct !== '') return direct.trim();
  const file = env[`${envName}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read ${envName}_FILE (${file}): ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`);
  }
}
