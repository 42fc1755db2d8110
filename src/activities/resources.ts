import { readFileSync } from 'node:fs';
import { type Config } from '../config/schema';
import { type Secrets } from '../config/secrets';
import { createCampaignClient, type CampaignClient } from '../connectors/campaign';
import { DynamicsClient } from '../connectors/dynamics';
import { SftpClient } from '../connectors/sftp';
import { type Logger } from '../logging/logger';

/**
 * The worker's long-lived connections, built from the configuration and secrets on first use and shared by every
 * activity (token caches, connection pools and concurrency limits are per process, as the APIs' limits are).
 */
export interface WorkerResources {
  config: Config;
  logger: Logger;
  dynamics(): DynamicsClient;
  campaign(): CampaignClient;
  sftp(): SftpClient;
  close(): Promise<void>;
}

/** The worker process's resources: its metrics also read the D365 client, without making it. */
export interface ProcessResources extends WorkerResources {
  /** The D365 client if an activity has made it, else undefined. */
  dynamicsIfMade(): DynamicsClient | undefined;
}

export function createWorkerResources(config: Config, secrets: Secrets, logger: Logger): ProcessResources {
  let dynamics: DynamicsClient | undefined;
  let campaign: CampaignClient | undefined;
  let sftp: SftpClient | undefined;
  return {
    config,
    logger,
    dynamics() {
      dynamics ??= new DynamicsClient({
        url: config.dynamics.url,
        credentials: {
          tenantId: config.dynamics.tenantId,
          clientId: config.dynamics.clientId,
          clientSecret: secrets.dynamicsClientSecret,
          authority: `${config.dynamics.authorityHost.replace(/\/+$/, '')}/${config.dynamics.tenantId}`,
        },
        ...(config.dynamics.caFile ? { caCertificates: readFileSync(config.dynamics.caFile, 'utf8') } : {}),
        limits: { maxConcurrentRequests: config.dynamics.maxConcurrentRequests },
        logger: logger.child({ component: 'dynamics' }),
      });
      return dynamics;
    },
    dynamicsIfMade() {
      return dynamics;
    },
    campaign() {
      campaign ??= createCampaignClient({
        organization: config.campaign.organization,
        ...(config.campaign.baseUrl ? { baseUrl: config.campaign.baseUrl } : {}),
        imsUrl: config.campaign.imsUrl,
        clientId: config.campaign.clientId,
        clientSecret: secrets.campaignClientSecret,
        maxConcurrency: config.campaign.maxConcurrentRequests,
        logger: logger.child({ component: 'campaign' }),
      });
      return campaign;
    },
    sftp() {
      sftp ??= sftpClientFor(config, secrets, logger.child({ component: 'sftp' }));
      return sftp;
    },
    async close() {
      dynamics?.close();
      await sftp?.close();
    },
  };
}

/** An SFTP client for the Campaign storage of the configuration (connects on first use). */
export function sftpClientFor(config: Config, secrets: Secrets, logger: Logger): SftpClient {
  const settings = config.campaign.sftp;
  return new SftpClient({
    host: settings.host,
    port: settings.port,
    username: settings.username,
    credentials: secrets.sftpPrivateKey
      ? { privateKey: secrets.sftpPrivateKey }
      : { password: secrets.sftpPassword ?? '' },
    hostKey: { fingerprints: settings.hostKeyFingerprints },
    root: settings.root,
    logger,
  });
}
