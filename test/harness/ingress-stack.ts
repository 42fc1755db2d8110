import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load';
import { type Config, type ConfigInput } from '../../src/config/schema';
import { type Secrets } from '../../src/config/secrets';
import { createWorkerResources, type WorkerResources } from '../../src/activities/resources';
import { createIngressActivities, type IngressActivities } from '../../src/activities/ingress';
import { createLogger } from '../../src/logging/logger';
import { type CustomResourceConfig, type FieldSpec } from '../../src/sandbox/campaign/resource-model';
import { startCampaignFixture, type CampaignFixture } from './campaign-fixture';
import { startDynamicsFixture, type DynamicsFixture } from './dynamics-fixture';
import { type DynamicsSimulatorOptions } from '../../src/sandbox/dynamics';

/** Both simulators, and worker resources plus ingress activities built from a validated configuration pointing at them. */
export interface IngressStack {
  dynamics: DynamicsFixture;
  campaign: CampaignFixture;
  /** `reports.folder` of every configuration built here (a temp dir). */
  reportsFolder: string;
  config(ingress: NonNullable<ConfigInput['ingress']>): Config;
  /** Fresh resources and activities (a new plan cache, as in a new worker process); closed by `close`. */
  activities(ingress: NonNullable<ConfigInput['ingress']>): {
    activities: IngressActivities;
    resources: WorkerResources;
  };
  close(): Promise<void>;
}

export interface IngressStackOptions {
  dynamics?: DynamicsSimulatorOptions;
  /** Profile extension fields in Campaign. @default {} */
  profileExtension?: Record<string, FieldSpec>;
  customResources?: CustomResourceConfig[];
  /** `dynamics.pageSize`. @default 5 */
  pageSize?: number;
}

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent', format: 'json' });

/** Any well-formed fingerprint: these tests never open the SFTP connection. */
const UNUSED_FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

export async function startIngressStack(options: IngressStackOptions = {}): Promise<IngressStack> {
  const dir = await mkdtemp(join(tmpdir(), 'ingress-stack-'));
  const dynamics = await startDynamicsFixture(options.dynamics);
  const campaign = await startCampaignFixture({
    profile: { extensionFields: options.profileExtension ?? {} },
    customResources: options.customResources ?? [],
  });
  const caFile = join(dir, 'd365-ca.pem');
  await writeFile(caFile, dynamics.sim.caCertificate ?? '');
  const reportsFolder = join(dir, 'reports');
  const secrets: Secrets = {
    dynamicsClientSecret: dynamics.sim.clientSecret,
    campaignClientSecret: campaign.sim.clientSecret,
    sftpPassword: 'unused',
  };
  const opened: WorkerResources[] = [];

  const config = (ingress: NonNullable<ConfigInput['ingress']>): Config => {
    const result = validateConfig({
      dynamics: {
        url: dynamics.sim.url,
        tenantId: dynamics.sim.tenantId,
        clientId: dynamics.sim.clientId,
        clientSecretEnv: 'D365_CLIENT_SECRET',
        authorityHost: dynamics.sim.url,
        caFile,
        pageSize: options.pageSize ?? 5,
      },
      campaign: {
        organization: campaign.sim.organization,
        clientId: campaign.sim.clientId,
        clientSecretEnv: 'ACS_CLIENT_SECRET',
        baseUrl: campaign.sim.baseUrl,
        imsUrl: campaign.sim.imsUrl,
        maxConcurrentRequests: 4,
        sftp: {
          host: '127.0.0.1',
          username: 'unused',
          passwordEnv: 'SFTP_PASSWORD',
          hostKeyFingerprints: [UNUSED_FINGERPRINT],
        },
      },
      ingress,
      reports: { folder: reportsFolder },
    } satisfies ConfigInput);
    if (!result.ok) throw new Error(`test configuration is invalid: ${JSON.stringify(result.problems)}`);
    return result.config;
  };

  return {
    dynamics,
    campaign,
    reportsFolder,
    config,
    activities(ingress) {
      const validated = config(ingress);
      const resources = createWorkerResources(validated, secrets, logger);
      opened.push(resources);
      return { activities: createIngressActivities(resources), resources };
    },
    async close() {
      await Promise.all(opened.map((resources) => resources.close()));
      await campaign.close();
      await dynamics.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
