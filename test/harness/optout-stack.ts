import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWorkerResources, type WorkerResources } from '../../src/activities/resources';
import { createOptOutActivities, type OptOutActivities } from '../../src/activities/optout';
import { type OptOutCounts, ZERO_OPT_OUT_COUNTS } from '../../src/sync/optout/counts';
import { validateConfig } from '../../src/config/load';
import { type Config, type ConfigInput } from '../../src/config/schema';
import { profileKey } from '../../src/activities/ingress/resolve';
import { type AcsRecord, type ResourceClient } from '../../src/connectors/campaign';
import { type DynamicsClient, type Row } from '../../src/connectors/dynamics';
import { createLogger } from '../../src/logging/logger';
import {
  startCampaignSimulator,
  type CampaignSimulator,
  type CampaignSimulatorOptions,
} from '../../src/sandbox/campaign';
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

/** The contact mapping the stack configures (ingress writes these contacts to profiles). */
export function contactMapping(
  extra: Partial<NonNullable<ConfigInput['ingress']>[number]> = {}
): ConfigInput['ingress'] {
  return [
    {
      name: 'contacts',
      from: 'contact',
      to: 'profile',
      key: { from: 'contactid', to: 'externalId' },
      fields: [
        { from: 'lastname', to: 'lastName' },
        { from: 'emailaddress1', to: 'email' },
      ],
      ...extra,
    },
  ];
}

export interface OptOutStackOptions {
  campaign?: Omit<CampaignSimulatorOptions, 'sftpRoot'>;
  /** The ingress mappings. @default one contact mapping without a filter ({@link contactMapping}) */
  ingress?: ConfigInput['ingress'];
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
  /** The validated configuration (bidirectional); `activities` replaces its optOut block (and its ingress). */
  config: Config;
  /** Contacts the last round found without a profile, which the next round looks at again (as a pass does). */
  pending: string[];
  /** Profiles by externalId (through the contact mapping's filter), for the tests' own writes. */
  profiles: ResourceClient;
  /** A D365 client of the stack's configuration, for tests of the connector-level pieces. */
  dynamics: DynamicsClient;
  /** Added to D365's clock: negative makes D365 changes older than Campaign's, positive newer. */
  d365Offset: { ms: number };
  activities(optOut: OptOutBlock, ingress?: ConfigInput['ingress']): OptOutActivities;
  /**
   * A contact (with `contact`'s other columns) and, unless `profile` is false, its profile (externalId = contact id)
   * holding these flags.
   */
  createPair(d365: Flags, campaign: Flags, profile?: boolean, contact?: Row): Promise<string>;
  /** Creates the contact's profile as ingress does: externalId and email, no opt-out attribute. */
  createProfile(id: string): Promise<void>;
  deleteContact(id: string): Promise<void>;
  setD365(id: string, flags: Flags): Promise<void>;
  setCampaign(id: string, flags: Flags): Promise<void>;
  d365(id: string): Promise<Row>;
  profile(id: string): Promise<AcsRecord>;
  /**
   * Reads D365 up to now and archives every pending file with the flow off, and forgets the pending contacts: later
   * rounds see only later changes.
   */
  baseline(): Promise<void>;
  /**
   * One round, as a pass runs it: the pending contacts, every D365 change page since the last round, then every new
   * opt-out file (archived after).
   */
  round(
    activities: OptOutActivities,
    reportId: string,
    parts?: { d365?: boolean; files?: boolean }
  ): Promise<OptOutCounts>;
  close(): Promise<void>;
}

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent', format: 'json' });

export async function startOptOutStack(options: OptOutStackOptions = {}): Promise<OptOutStack> {
  const d365Offset = { ms: 0 };
  const dir = await mkdtemp(path.join(tmpdir(), 'acs-optout-'));
  const sftp = await startSshd({ root: path.join(dir, 'campaign-storage') });
  const dynamicsSim = await startDynamicsSimulator({ tls: true, clock: () => Date.now() + d365Offset.ms });
  const campaignSim = await startCampaignSimulator({ commandDelayMs: 20, ...options.campaign, sftpRoot: sftp.root });
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
    ingress: options.ingress ?? contactMapping(),
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
    .resource({ api: 'profileAndServicesExt', name: 'profile', key: profileKey(config) });
  const dynamics = testResources.dynamics();
  let deltaLink: string | undefined;
  const pending = { ids: [] as string[] };

  const activities = (optOut: OptOutBlock, ingress?: ConfigInput['ingress']): OptOutActivities => {
    let withFlows: Config = { ...config, optOut };
    if (ingress) {
      const checked = validateConfig({ ...withFlows, ingress });
      if (!checked.ok) throw new Error(`test config invalid: ${JSON.stringify(checked.problems)}`);
      withFlows = checked.config;
    }
    const resources = createWorkerResources(withFlows, secrets, logger);
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
      const missing = new Set<string>();
      if (pending.ids.length > 0) {
        const revisit = await acts.revisitOptOutContacts({ ids: pending.ids, reportId });
        add(revisit.counts);
        for (const id of revisit.missing) missing.add(id);
      }
      let link = deltaLink;
      for (;;) {
        const page = await acts.syncOptOutD365Page({ ...(link ? { link } : {}), reportId, pendingRoom: 1_000 });
        add(page.counts);
        for (const id of page.missing) missing.add(id);
        if (page.deltaLink) {
          deltaLink = page.deltaLink;
          break;
        }
        link = page.nextLink;
      }
      pending.ids = [...missing];
    }
    if (parts.files ?? true) {
      await campaignSim.exports?.writeNow();
      const { files } = await acts.listOptOutFiles({});
      for (const { name: file } of files) {
        let fromLine: number | undefined = 2;
        while (fromLine !== undefined) {
          const chunk = await acts.applyOptOutFile({ file, fromLine, reportId });
          add(chunk.counts);
          fromLine = chunk.nextLine;
        }
        await acts.settleOptOutFile({ file, as: 'processed' });
      }
    }
    return counts;
  };

  return {
    dynamicsSim,
    campaignSim,
    sftp,
    config,
    get pending() {
      return pending.ids;
    },
    profiles,
    dynamics,
    d365Offset,
    activities,
    async createPair(d365Flags, campaignFlags, withProfile = true, contact = {}) {
      const id = randomUUID();
      await dynamics.create('contacts', {
        contactid: id,
        lastname: 'Tester',
        emailaddress1: `${id.slice(0, 8)}@example.com`,
        donotemail: false,
        donotfax: false,
        ...contact,
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
    async createProfile(id) {
      await profiles.create({ externalId: id, email: `${id.slice(0, 8)}@example.com` });
    },
    async deleteContact(id) {
      await dynamics.delete('contacts', id);
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
      pending.ids = [];
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
