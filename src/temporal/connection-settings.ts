import { readFileSync } from 'node:fs';
import {
  type ClientConfigProfile,
  type ClientConfigTLS,
  type ConfigDataSource,
  loadClientConfigProfile,
} from '@temporalio/envconfig';
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

const DEFAULTS = { address: 'localhost:7233', namespace: 'default', taskQueue: 'acs-d365-sync' };

/**
 * Where each setting comes from, first found wins: the environment variables Temporal's own tools use
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
 * TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME) plus TEMPORAL_TASK_QUEUE; then the file's `temporal`
 * block; then a profile of the Temporal CLI's TOML configuration (`temporal.profile` or TEMPORAL_PROFILE, else
 * `default`, in TEMPORAL_CONFIG_FILE or ~/.config/temporalio/temporal.toml; read by `@temporalio/envconfig`); then the
 * defaults. One file thus serves several environments, and a machine set up for the `temporal` CLI needs no more.
 * TLS files are read by the process that connects.
 */
export function temporalSettings(
  block: Partial<TemporalBlock> = {},
  apiKey?: string,
  env: NodeJS.ProcessEnv = process.env
): TemporalSettings {
  const profile = cliProfile(block.profile, env);
  const settings: TemporalSettings = {
    address: env.TEMPORAL_ADDRESS || block.address || profile.address || DEFAULTS.address,
    namespace: env.TEMPORAL_NAMESPACE || block.namespace || profile.namespace || DEFAULTS.namespace,
    taskQueue: env.TEMPORAL_TASK_QUEUE || block.taskQueue || DEFAULTS.taskQueue,
  };
  const key = apiKey || env.TEMPORAL_API_KEY || profile.apiKey;
  if (key) settings.apiKey = key;
  const profileTls = profile.tls?.disabled ? undefined : profile.tls;
  const certFile = env.TEMPORAL_TLS_CLIENT_CERT_PATH || block.tls?.certFile;
  const keyFile = env.TEMPORAL_TLS_CLIENT_KEY_PATH || block.tls?.keyFile;
  const caFile = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH || block.tls?.caFile;
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || block.tls?.serverName || profileTls?.serverName;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new Error(
      'mTLS needs both a client certificate and its key: set temporal.tls.certFile and keyFile ' +
        '(or TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH).'
    );
  }
  const clientCertPair =
    certFile && keyFile
      ? { crt: readPem(certFile, 'the TLS client certificate'), key: readPem(keyFile, 'the TLS client key') }
      : profileClientCertPair(profileTls);
  const serverRootCACertificate = caFile
    ? readPem(caFile, 'the TLS server CA certificate')
    : profileData(profileTls?.serverCACert, 'the TLS server CA certificate');
  // TLS is on with the block (even empty), a profile's tls table, a client certificate, or a private CA or server name.
  if (block.tls || profileTls || clientCertPair || serverRootCACertificate || serverName) {
    settings.tls = {
      ...(clientCertPair ? { clientCertPair } : {}),
      ...(serverRootCACertificate ? { serverRootCACertificate } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
    };
  }
  return settings;
}

/**
 * The Temporal CLI profile's settings, or none when there is no TOML file. A profile named (in the file or by
 * TEMPORAL_PROFILE) that the TOML does not have is an error, as in the CLI.
 */
function cliProfile(name: string | undefined, env: NodeJS.ProcessEnv): ClientConfigProfile {
  try {
    return loadClientConfigProfile({
      ...(name ? { profile: name } : {}),
      // Only the TOML here: the environment is applied above, with the file's block between the two.
      disableEnv: true,
      overrideEnvVars: Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)
      ),
    });
  } catch (err) {
    const where = env.TEMPORAL_CONFIG_FILE
      ? `TEMPORAL_CONFIG_FILE (${env.TEMPORAL_CONFIG_FILE})`
      : 'the Temporal CLI configuration';
    throw new Error(`cannot use ${where}: ${(err as Error).message}`);
  }
}

function profileClientCertPair(tls: ClientConfigTLS | undefined): { crt: Buffer; key: Buffer } | undefined {
  const crt = profileData(tls?.clientCert, 'the TLS client certificate');
  const key = profileData(tls?.clientKey, 'the TLS client key');
  if (Boolean(crt) !== Boolean(key)) {
    throw new Error('mTLS needs both a client certificate and its key: the Temporal CLI profile has only one of them.');
  }
  return crt && key ? { crt, key } : undefined;
}

function profileData(source: ConfigDataSource | undefined, what: string): Buffer | undefined {
  if (!source) return undefined;
  if ('path' in source) return readPem(source.path, what);
  return Buffer.from(source.data);
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
