import { readFileSync } from 'node:fs';
import { type Config } from './schema';

/** Secrets the worker needs, read from its environment; never written to history, logs or errors. */
export interface Secrets {
  dynamicsClientSecret: string;
  campaignClientSecret: string;
  sftpPrivateKey?: string;
  sftpPassword?: string;
  temporalApiKey?: string;
}

interface SecretReference {
  /** Where the variable is named in the configuration file. */
  configPath: string;
  envName: string;
  secret: keyof Secrets;
}

/** Raised when variables named by the configuration are not set; lists them all (names only, never values). */
export class MissingSecretsError extends Error {
  constructor(readonly missing: readonly { envName: string; configPath: string }[]) {
    super(
      `missing secret${missing.length > 1 ? 's' : ''}: ` +
        missing.map((entry) => `${entry.envName} (named by ${entry.configPath})`).join(', ') +
        ". Set each variable in the worker's environment (or <NAME>_FILE to the path of a file holding it)."
    );
    this.name = 'MissingSecretsError';
  }
}

export function secretReferences(config: Config): SecretReference[] {
  const references: SecretReference[] = [
    {
      configPath: 'dynamics.clientSecretEnv',
      envName: config.dynamics.clientSecretEnv,
      secret: 'dynamicsClientSecret',
    },
    {
      configPath: 'campaign.clientSecretEnv',
      envName: config.campaign.clientSecretEnv,
      secret: 'campaignClientSecret',
    },
  ];
  const { privateKeyEnv, passwordEnv } = config.campaign.sftp;
  if (privateKeyEnv)
    references.push({ configPath: 'campaign.sftp.privateKeyEnv', envName: privateKeyEnv, secret: 'sftpPrivateKey' });
  if (passwordEnv)
    references.push({ configPath: 'campaign.sftp.passwordEnv', envName: passwordEnv, secret: 'sftpPassword' });
  if (config.temporal.apiKeyEnv) {
    references.push({ configPath: 'temporal.apiKeyEnv', envName: config.temporal.apiKeyEnv, secret: 'temporalApiKey' });
  }
  return references;
}

/**
 * Reads every secret the configuration names. `NAME` holds the value itself; `NAME_FILE` may name a file holding it
 * instead (Docker and Kubernetes secrets). Throws {@link MissingSecretsError} naming every variable that is unset.
 */
export function readSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): Secrets {
  const values: Partial<Record<keyof Secrets, string>> = {};
  const missing: { envName: string; configPath: string }[] = [];
  for (const reference of secretReferences(config)) {
    const value = readSecretValue(reference.envName, env);
    if (value === undefined) missing.push({ envName: reference.envName, configPath: reference.configPath });
    else values[reference.secret] = value;
  }
  if (missing.length > 0) throw new MissingSecretsError(missing);
  return values as Secrets;
}

function readSecretValue(envName: string, env: NodeJS.ProcessEnv): string | undefined {
  const direct = env[envName];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${envName}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8').trimEnd();
  } catch (err) {
    throw new Error(`cannot read ${envName}_FILE (${file}): ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`);
  }
}
