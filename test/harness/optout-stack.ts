import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWorkerResources, type WorkerResources } from '../../src/activities/resources';
import {
  createOptOutActivities,
  type OptOutActivities,
  type OptOutCounts,
  ZERO_OPT_OUT_COUNTS,
} from '../../src/activities/optout';
import { validateConfig } from '../../src/config/load';
import { type Config } from '../../src/config/schema';
import { type AcsRecord, PROFILE_EXTERNAL_ID_KEY, type ResourceClient } from '../../src/connectors/campaign';
import { type Row } from '../../src/connectors/dynamics';
import { createLogger } from '../../src/logging/logger';
import { startCampaignSimulator, type CampaignSimulator } from '../../src/sandbox/campaign';
import { startDynamicsSimulator, type DynamicsSimulator } from '../../src/sandbox/dynamics';
import { startSshd, type SshdServer } from '../../src/sandbox/sshd';

/** The opt-out block the tests configure (source folder as the simulator writes it, under `<root>/d365_loads`). */
export type OptOutBlock = NonNullable<Config['optOut']>;

export const PAIRS: OptOutBlock['pairs'] = [
  { campaign: 'denyListEmail', dynamics: 'donotemail' },
  { campaign: 'denyListFax', dynamics: 'donotfax' },
];

export function optOutBlock(mode: OptOutBlock['mode'], pairs = PAIRS): OptOutBlock {
  return { mode, every: '1h', sourceFolder: 'exports/optouts', pairs };
}

export interface Flags {
  email?: boolean;
  fax?: boolean;
}

/**
 * Both simulators, a real sshd as Campaign storage, and helpers to set opt-outs on each side and run one round of
 * the opt-out flow (the D365 pages, then the Campaign files) by calling the activities as plain functions.
 */
export interface OptOutStack {
  dynamicsSim: DynamicsSimulator;
  campaignSim: CampaignSimulator;
  sftp: SshdServer;
  /** The validated configuration (bidirectional); `activities` replaces its optOut block. */
  config: Config;
  /** Profiles by externalId, for the tests' own writes. */
  profiles: ResourceClient;
  /** Added to D365's clock: negative makes D365 changes older than Campaign's, positive newer. */
  d365Offset: { ms: number };
  activities(optOut: OptOutBlock): OptOutActivities;
  /** A contact and, unless `profile` is false, its profile (externalId = contact id) holding these flags. */
  createPair(d365: Flags, campaign: Flags, profile?: boolean): Promise<string>;
  setD365(id: string, flags: Flags): Promise<void>;
  setCampaign(id: string, flags: Flags): Promise<void>;
  d365(id: string): Promise<Row>;
  profile(id: string): Promise<AcsRecord>;
  /** Reads D365 up to now and archives every pending file with the flow off: later rounds see only later changes. */
  baseline(): Promise<void>;
  /** One round: every D365 change page since the last round, then every new opt-out file (archived after). */
  round(
    activities: OptOutActivities,
    reportId: string,
    parts?: { d365?: boolean; files?: boolean }
  ): Promise<OptOutCounts>;
  close(): Promise<void>;
}

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent', format: 'json' });

export async function startOptOutStack(): Promise<OptOutStack> {
  const d365Offset = { ms: 0 };
  const dir = await mkdtemp(path.join(tmpdir(), 'acs-optout-'));
  const sftp = await startSshd({ root: path.join(dir, 'campaign-storage') });
  const dynamicsSim = await startDynamicsSimulator({ tls: true, clock: () => Date.now() + d365Offset.ms });
  const campaignSim = await startCampaignSimulator({ commandDelayMs: 20, sftpRoot: sftp.root });
  const caFile = path.join(dir, 'dynamics-ca.pem');
  await writeFile(caFile, dynamicsSim.caCertificate ?? '');
  const validated = validateConfig({
    dynamics: {
      url: dynamicsSim.url,
      authorityHost: dynamicsSim.url,
      tenantId: dynamicsSim.tenantId,
      clientId: dynamicsSim.clientId,
      clientSecretEnv: 'TEST_D365_SECRET',
      caFile,
      pageSize: 50,
    },
    campaign: {
      organization: campaignSim.organization,
      baseUrl: campaignSim.baseUrl,
      imsUrl: campaignSim.imsUrl,
      clientId: campaignSim.clientId,
      clientSecretEnv: 'TEST_CAMPAIGN_SECRET',
      sftp: {
        host: sftp.host,
        port: sftp.port,
        username: sftp.username,
        privateKeyEnv: 'TEST_SFTP_KEY',
        hostKeyFingerprints: [sftp.hostKeyFingerprint],
        root: `${sftp.root}/d365_loads`,
      },
    },
    optOut: optOutBlock('bidirectional'),
    reports: { folder: path.join(dir, 'reports') },
  });
  if (!validated.ok) throw new Error(`test config invalid: ${JSON.stringify(validated.problems)}`);
  const config = validated.config;
  const secrets = {
    dynamicsClientSecret: dynamicsSim.clientSecret,
    campaignClientSecret: campaignSim.clientSecret,
    sftpPrivateKey: sftp.privateKey,
  };
  const testResources = createWorkerResources(config, secrets, logger);
  const opened: WorkerResources[] = [];
  const profiles: ResourceClient = testResources
    .campaign()
    .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
  const dynamics = testResources.dynamics();
  let deltaLink: string | undefined;

  const activities = (optOut: OptOutBlock): OptOutActivities => {
    const resources = createWorkerResources({ ...config, optOut }, secrets, logger);
    opened.push(resources);
    return createOptOutActivities(resources);
  };
  const d365Values = (flags: Flags): Row => ({
    ...(flags.email !== undefined ? { donotemail: flags.email } : {}),
    ...(flags.fax !== undefined ? { donotfax: flags.fax } : {}),
  });
  const campaignValues = (flags: Flags): Record<string, boolean> => ({
    ...(flags.email !== undefined ? { blackListEmail: flags.email } : {}),
    ...(flags.fax !== undefined ? { blackListFax: flags.fax } : {}),
  });
  const profile = async (id: string): Promise<AcsRecord> => {
    const found = await profiles.findByKey({ externalId: id });
    if (!found) throw new Error(`no profile ${id}`);
    return found;
  };
  const off = activities(optOutBlock('disabled'));

  const round: OptOutStack['round'] = async (acts, reportId, parts = {}) => {
    const counts: OptOutCounts = { ...ZERO_OPT_OUT_COUNTS };
    const add = (more: OptOutCounts): void => {
      for (const key of Object.keys(counts) as (keyof OptOutCounts)[]) counts[key] += more[key];
    };
    if (parts.d365 ?? true) {
      let link = deltaLink;
      for (;;) {
        const page = await acts.syncOptOutD365Page({ ...(link ? { link } : {}), reportId });
        add(page.counts);
        if (page.deltaLink) {
          deltaLink = page.deltaLink;
          break;
        }
        link = page.nextLink;
      }
    }
    if (parts.files ?? true) {
      await campaignSim.exports?.writeNow();
      const { files } = await acts.listOptOutFiles({});
      for (const file of files) {
        let fromLine: number | undefined = 2;
        while (fromLine !== undefined) {
          const chunk = await acts.applyOptOutFile({ file, fromLine, reportId });
          add(chunk.counts);
          fromLine = chunk.nextLine;
        }
        await acts.archiveOptOutFile({ file });
      }
    }
    return counts;
  };

  return {
    dynamicsSim,
    campaignSim,
    sftp,
    config,
    profiles,
    d365Offset,
    activities,
    async createPair(d365Flags, campaignFlags, withProfile = true) {
      const id = randomUUID();
      await dynamics.create('contacts', {
        contactid: id,
        lastname: 'Tester',
        emailaddress1: `${id.slice(0, 8)}@example.com`,
        donotemail: false,
        donotfax: false,
        ...d365Values(d365Flags),
      });
      if (withProfile) {
        await profiles.create({
          externalId: id,
          email: `${id.slice(0, 8)}@example.com`,
          ...campaignValues(campaignFlags),
        });
      }
      return id;
    },
    async setD365(id, flags) {
      await dynamics.update('contacts', id, d365Values(flags));
    },
    async setCampaign(id, flags) {
      await profiles.patch((await profile(id)).PKey, campaignValues(flags));
    },
    async d365(id) {
      const pages = dynamics.readPages('contacts', {
        select: ['contactid', 'donotemail', 'donotfax', 'modifiedon'],
        filter: `contactid eq ${id}`,
      });
      const first = await pages.next();
      await pages.return(undefined);
      const row = first.done ? undefined : first.value.rows[0];
      if (!row) throw new Error(`no contact ${id}`);
      return row;
    },
    profile,
    async baseline() {
      await round(off, 'baseline');
    },
    round,
    async close() {
      await Promise.all([testResources, ...opened].map((resources) => resources.close()));
      await campaignSim.close();
      await dynamicsSim.close();
      await sftp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
