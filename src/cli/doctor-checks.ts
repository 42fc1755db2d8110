import { readFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { type Config } from '../config/schema';
import { MissingSecretsError, readSecrets, type Secrets } from '../config/secrets';
import { ImsTokenProvider } from '../connectors/campaign/ims-token-provider';
import { DynamicsClient } from '../connectors/dynamics';
import { DynamicsAuthError } from '../connectors/dynamics/errors';
import { sftpClientFor } from '../activities/resources';
import { type Logger } from '../logging/logger';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { isPolling } from './status-check';
import { connectClient } from './temporal-client';

/** One line of `acs-d365 doctor`: what was checked, whether it passed, and what was found (names, never values). */
export interface DoctorCheck {
  check: string;
  ok: boolean;
  message: string;
}

/** How long one check may take: a system that does not answer fails its check rather than hanging the command. */
const CHECK_TIMEOUT_MS = 30_000;

/**
 * Checks every system the worker needs, one line each, in the order an operator fixes them: Temporal (connection,
 * namespace, search attributes, a polling worker), the secrets, D365 (token, WhoAmI), Campaign (IMS token), the
 * Campaign SFTP (login with the pinned host key, then each folder the configuration reads or writes). A check whose
 * prerequisite failed is reported as skipped (failed), naming the prerequisite.
 */
export async function runDoctorChecks(configFile: string, config: Config, logger: Logger): Promise<DoctorCheck[]> {
  const checks = await temporalChecks(configFile);
  let secrets: Secrets;
  try {
    secrets = readSecrets(config);
    checks.push({ check: 'secrets', ok: true, message: 'every secret the configuration names is set' });
  } catch (err) {
    if (!(err instanceof MissingSecretsError)) throw err;
    checks.push({ check: 'secrets', ok: false, message: err.message });
    return withoutCauses(checks);
  }
  checks.push(...(await dynamicsChecks(config, secrets, logger)));
  checks.push(await run('campaign IMS token', () => imsToken(config, secrets)));
  checks.push(...(await sftpChecks(config, secrets, logger)));
  return withoutCauses(checks);
}

/** The lines as printed: the errors behind failed checks stay out of the output. */
function withoutCauses(checks: DoctorCheck[]): DoctorCheck[] {
  return checks.map(({ check, ok, message }) => ({ check, ok, message }));
}

async function temporalChecks(configFile: string): Promise<DoctorCheck[]> {
  let connected: Awaited<ReturnType<typeof connectClient>>;
  try {
    connected = await connectClient(configFile);
  } catch (err) {
    return [{ check: 'temporal connection', ok: false, message: (err as Error).message }];
  }
  const { client, settings } = connected;
  try {
    const checks: DoctorCheck[] = [
      { check: 'temporal connection', ok: true, message: `connected to ${settings.address}` },
    ];
    checks.push(
      await run('temporal namespace', async () => {
        await client.workflowService.describeNamespace({ namespace: settings.namespace });
        return `${settings.namespace} exists`;
      })
    );
    checks.push(
      await run('temporal search attributes', async () => {
        const { customAttributes } = await client.connection.operatorService.listSearchAttributes({
          namespace: settings.namespace,
        });
        const missing = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name).filter(
          (name) => !(name in (customAttributes ?? {}))
        );
        if (missing.length > 0) {
          throw new Error(
            `missing in ${settings.namespace}: ${missing.join(', ')} (register them: docs/deployment.md)`
          );
        }
        return `${SEARCH_ATTRIBUTE_KEYS.map((key) => key.name).join(', ')} registered`;
      })
    );
    checks.push(
      await run('temporal worker', async () => {
        const queue = await client.workflowService.describeTaskQueue({
          namespace: settings.namespace,
          taskQueue: { name: settings.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        const now = Date.now();
        const polling = (queue.pollers ?? []).filter((poller) =>
          isPolling(
            poller.lastAccessTime?.seconds
              ? new Date(Number(poller.lastAccessTime.seconds) * 1000).toISOString()
              : null,
            now
          )
        );
        if (polling.length === 0) {
          throw new Error(`no worker polls task queue ${settings.taskQueue}: start one (acs-d365 worker)`);
        }
        return `${polling.length} polling task queue ${settings.taskQueue}`;
      })
    );
    return checks;
  } finally {
    await connected.close();
  }
}

async function dynamicsChecks(config: Config, secrets: Secrets, logger: Logger): Promise<DoctorCheck[]> {
  const settings = config.dynamics;
  let caCertificates: string | undefined;
  try {
    caCertificates = settings.caFile ? readFileSync(settings.caFile, 'utf8') : undefined;
  } catch (err) {
    const reason = `cannot read dynamics.caFile (${settings.caFile}): ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`;
    return [{ check: 'd365 token', ok: false, message: reason }];
  }
  const credentials = {
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    clientSecret: secrets.dynamicsClientSecret,
    authority: `${settings.authorityHost.replace(/\/+$/, '')}/${settings.tenantId}`,
  };
  const client = new DynamicsClient({
    url: settings.url,
    credentials,
    ...(caCertificates ? { caCertificates } : {}),
    limits: { maxConcurrentRequests: 1, requestTimeoutMs: CHECK_TIMEOUT_MS },
    logger,
  });
  try {
    // WhoAmI asks for the token first: an authentication error is the token's, anything after it WhoAmI's.
    const whoAmI = await run('d365 WhoAmI', async () => {
      const answer = await client.whoAmI();
      return `application user ${answer.userId} in organization ${answer.organizationId}`;
    });
    const tokenFailed = !whoAmI.ok && whoAmI.cause instanceof DynamicsAuthError;
    const token: DoctorCheck = tokenFailed
      ? { check: 'd365 token', ok: false, message: whoAmI.message }
      : { check: 'd365 token', ok: true, message: `a token for ${settings.url} from ${settings.authorityHost}` };
    if (tokenFailed) return [token, { check: 'd365 WhoAmI', ok: false, message: 'skipped: no D365 token' }];
    return [token, { check: whoAmI.check, ok: whoAmI.ok, message: whoAmI.message }];
  } finally {
    client.close();
  }
}

async function imsToken(config: Config, secrets: Secrets): Promise<string> {
  const tokens = new ImsTokenProvider({
    clientId: config.campaign.clientId,
    clientSecret: secrets.campaignClientSecret,
    imsUrl: config.campaign.imsUrl,
    timeoutMs: CHECK_TIMEOUT_MS,
  });
  await tokens.getToken();
  return `a token from ${new URL(config.campaign.imsUrl).host}`;
}

async function sftpChecks(config: Config, secrets: Secrets, logger: Logger): Promise<DoctorCheck[]> {
  const settings = config.campaign.sftp;
  const sftp = sftpClientFor(config, secrets, logger);
  try {
    const login = await run('sftp login and host key', async () => {
      await sftp.connect();
      return `${settings.username}@${settings.host}:${settings.port}, host key pinned`;
    });
    const folders = sftpFolders(config);
    if (!login.ok) {
      return [login, ...folders.map(({ check }) => ({ check, ok: false, message: 'skipped: no SFTP login' }))];
    }
    const checks = [login];
    for (const { check, folder, read } of folders) {
      checks.push(
        await run(check, async () => {
          const entry = await sftp.stat(folder);
          const where = folder === '.' ? settings.root : `${settings.root}/${folder}`;
          if (entry?.type === 'directory') return `${where} exists`;
          if (entry) throw new Error(`${where} is a ${entry.type}, not a folder`);
          // A flow reading a missing folder finds no file, for ever: a wrong name there is silent.
          if (read) throw new Error(`${where} is missing: Campaign's export files are not there`);
          return `${where} is not there yet: the worker creates it at its first upload`;
        })
      );
    }
    return checks;
  } finally {
    await sftp.close();
  }
}

interface SftpFolder {
  check: string;
  /** Relative to `campaign.sftp.root`. */
  folder: string;
  /** Read by a flow (Campaign writes there); the others the worker writes and creates. */
  read: boolean;
}

/** The folders of the Campaign SFTP the configuration reads or writes. */
function sftpFolders(config: Config): SftpFolder[] {
  const folders: SftpFolder[] = [{ check: 'sftp folder campaign.sftp.root', folder: '.', read: false }];
  if (config.egress) {
    folders.push({ check: 'sftp folder egress.sourceFolder', folder: config.egress.sourceFolder, read: true });
  }
  if (config.optOut && (config.optOut.mode === 'campaign-to-d365' || config.optOut.mode === 'bidirectional')) {
    folders.push({ check: 'sftp folder optOut.sourceFolder', folder: config.optOut.sourceFolder, read: true });
  }
  if (config.reports.sftpFolder) {
    folders.push({ check: 'sftp folder reports.sftpFolder', folder: config.reports.sftpFolder, read: false });
  }
  return folders;
}

async function run(check: string, body: () => Promise<string>): Promise<DoctorCheck & { cause?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000}s`)), CHECK_TIMEOUT_MS);
  });
  try {
    return { check, ok: true, message: await Promise.race([body(), timeout]) };
  } catch (err) {
    return { check, ok: false, message: err instanceof Error ? err.message : String(err), cause: err };
  } finally {
    clearTimeout(timer);
  }
}
