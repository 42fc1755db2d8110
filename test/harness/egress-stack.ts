import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createEgressActivities, type EgressActivities } from '../../src/activities/egress';
import { type WorkerResources } from '../../src/activities/resources';
import { validateConfig } from '../../src/config/load';
import { type ConfigInput } from '../../src/config/schema';
import { type DynamicsClient } from '../../src/connectors/dynamics';
import { SftpClient } from '../../src/connectors/sftp';
import { createLogger } from '../../src/logging/logger';
import { type Value } from '../../src/sandbox/dynamics/schema';
import { type DynamicsSimulatorOptions } from '../../src/sandbox/dynamics';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';
import { startDynamicsFixture, type DynamicsFixture } from '../harness/dynamics-fixture';
import { clientOptionsFor, startSshd, type SshdServer } from '../harness/sshd';

/** The event file columns, in the order the test files write them. */
export const EVENT_HEADER =
  'eventId,eventType,eventDate,externalId,campaignId,deliveryId,deliveryLabel,mirrorPageUrl,trackingUrl,bounceType,bounceReason';

/** One event file row; fields left out are empty. */
export interface EventRow {
  eventId: string;
  eventType: string;
  externalId: string;
  eventDate?: string;
  campaignId?: string;
  deliveryId?: string;
  deliveryLabel?: string;
  mirrorPageUrl?: string;
  trackingUrl?: string;
  bounceType?: string;
  bounceReason?: string;
}

export type EgressInput = NonNullable<ConfigInput['egress']>;

/** Both simulators, a real sshd serving Campaign's SFTP folder, and egress activities over them. */
export interface EgressStack {
  dynamics: DynamicsFixture;
  d365: DynamicsClient;
  campaign: CampaignFixture;
  sshd: SshdServer;
  reportsFolder: string;
  /** Absolute path of the event folder (`<sftp root>/d365_loads/exports/events`). */
  eventsDir: string;
  /** Ids of the seeded D365 contacts. */
  contactIds: string[];
  activities(egress?: EgressInput): EgressActivities;
  /** Writes an event file (gzip when the name ends in `.gz`). */
  writeEventFile(name: string, rows: readonly (EventRow | string)[]): Promise<void>;
  /** Rows of a D365 table (values by column name). */
  rows(entitySet: string): Record<string, Value>[];
  /** The rejects report of `reportId`, as lines (header included); empty when there is none. */
  rejects(reportId: string): Promise<string[]>;
  close(): Promise<void>;
}

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent', format: 'json' });

export async function startEgressStack(
  contacts = 5,
  dynamicsOptions: Omit<DynamicsSimulatorOptions, 'seedContacts'> = {}
): Promise<EgressStack> {
  const reportsFolder = await mkdtemp(join(tmpdir(), 'egress-reports-'));
  const dynamics = await startDynamicsFixture({ ...dynamicsOptions, seedContacts: contacts });
  const campaign = await startCampaignFixture();
  const sshd = await startSshd({ root: campaign.sftpRoot });
  const root = join(campaign.sftpRoot, 'd365_loads');
  const eventsDir = join(root, 'exports', 'events');
  await mkdir(eventsDir, { recursive: true });
  const d365 = dynamics.client();
  const sftps: SftpClient[] = [];
  const contactIds = [...(dynamics.sim.db.table('contacts')?.scan() ?? [])].map((row) => row.id);

  const activities = (egress: EgressInput = {}): EgressActivities => {
    const validated = validateConfig({
      dynamics: { url: 'https://d365.invalid', tenantId: 't', clientId: 'c', clientSecretEnv: 'UNUSED' },
      campaign: {
        organization: 'acme',
        clientId: 'c',
        clientSecretEnv: 'UNUSED',
        sftp: {
          host: '127.0.0.1',
          username: 'u',
          privateKeyEnv: 'UNUSED',
          hostKeyFingerprints: [`SHA256:${'A'.repeat(43)}`],
          root: '/d365_loads',
        },
      },
      egress,
      reports: { folder: reportsFolder },
    } satisfies ConfigInput);
    if (!validated.ok) throw new Error(`test configuration is invalid: ${JSON.stringify(validated.problems)}`);
    const sftp = new SftpClient(clientOptionsFor(sshd, { root }));
    sftps.push(sftp);
    const resources: WorkerResources = {
      config: validated.config,
      logger,
      dynamics: () => d365,
      campaign: () => campaign.client,
      sftp: () => sftp,
      close: () => Promise.resolve(),
    };
    return createEgressActivities(resources);
  };

  return {
    dynamics,
    d365,
    campaign,
    sshd,
    reportsFolder,
    eventsDir,
    contactIds,
    activities,
    async writeEventFile(name, rows) {
      const text = [EVENT_HEADER, ...rows.map((row) => (typeof row === 'string' ? row : eventLine(row)))].join('\n');
      await writeFile(join(eventsDir, name), name.endsWith('.gz') ? gzipSync(`${text}\n`) : `${text}\n`);
    },
    rows(entitySet) {
      return [...(dynamics.sim.db.table(entitySet)?.scan() ?? [])].map((row) => row.values);
    },
    async rejects(reportId) {
      const text = await readFile(join(reportsFolder, 'egress', `${reportId}.csv`), 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line !== '');
    },
    async close() {
      await Promise.all(sftps.map((sftp) => sftp.close()));
      await sshd.stop();
      await campaign.close();
      await dynamics.close();
      await rm(reportsFolder, { recursive: true, force: true });
    },
  };
}

function eventLine(row: EventRow): string {
  const values = [
    row.eventId,
    row.eventType,
    row.eventDate ?? '2026-03-04 05:06:07.000Z',
    row.externalId,
    row.campaignId ?? 'CAMP1',
    row.deliveryId ?? 'DM101',
    row.deliveryLabel ?? 'Spring newsletter',
    row.mirrorPageUrl ?? 'https://mirror.example.com/m/1',
    row.trackingUrl ?? (row.eventType === 'click' ? 'https://www.example.com/offer?a=1,b=2' : ''),
    row.bounceType ?? (row.eventType === 'bounce' ? 'Hard' : ''),
    row.bounceReason ?? (row.eventType === 'bounce' ? 'User unknown' : ''),
  ];
  return values.map((value) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)).join(',');
}
