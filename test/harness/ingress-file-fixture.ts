import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { type ChunkMapping } from '../../src/activities/ingress/resolve';
import { type IngressPlanSource } from '../../src/activities/ingress/write-chunk-activities';
import { type WorkerResources } from '../../src/activities/resources';
import { validateConfig } from '../../src/config/load';
import { type Config, type ConfigInput, type IngressMapping } from '../../src/config/schema';
import { type DynamicsClient, type Row } from '../../src/connectors/dynamics';
import { SftpClient } from '../../src/connectors/sftp';
import { createLogger } from '../../src/logging/logger';
import { type CampaignSimulatorOptions } from '../../src/sandbox/campaign';
import { parseCsv } from '../../src/sandbox/campaign/csv';
import { buildIngressPlan, type CampaignField, type D365Column, type IngressPlan } from '../../src/sync/ingress';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';
import { startDynamicsFixture, type DynamicsFixture } from '../harness/dynamics-fixture';
import { clientOptionsFor, startSshd, type SshdServer } from '../harness/sshd';

/** The simulator's contact columns that the test mapping uses (as D365 metadata describes them). */
const CONTACT_COLUMNS: D365Column[] = [
  { logicalName: 'contactid', type: 'Uniqueidentifier' },
  { logicalName: 'firstname', type: 'String' },
  { logicalName: 'lastname', type: 'String' },
  { logicalName: 'emailaddress1', type: 'String' },
  { logicalName: 'birthdate', type: 'DateTime', dateOnly: true },
  { logicalName: 'gendercode', type: 'Picklist', options: { 1: 'Male', 2: 'Female' } },
  { logicalName: 'donotbulkemail', type: 'Boolean' },
];

/**
 * Campaign's profile fields as the plan sees them. `firstName` carries no length on purpose: the mapping engine then
 * lets a long first name through and Campaign's import refuses it (its limit is 30), as with incomplete metadata.
 */
const PROFILE_FIELDS: CampaignField[] = [
  { name: 'externalId', type: 'string', length: 100 },
  { name: 'firstName', type: 'string' },
  { name: 'lastName', type: 'string', length: 50 },
  { name: 'email', type: 'string', length: 128, dataPolicy: 'email' },
  { name: 'birthDate', type: 'date' },
  { name: 'gender', type: 'enumeration', values: ['unknown', 'male', 'female'] },
  { name: 'blackListEmail', type: 'boolean' },
];

export const SELECT = CONTACT_COLUMNS.map((column) => column.logicalName);

export interface FileStack {
  dynamics: DynamicsFixture;
  d365: DynamicsClient;
  campaign: CampaignFixture;
  sshd: SshdServer;
  sftp: SftpClient;
  config: Config;
  resources: WorkerResources;
  plans: IngressPlanSource;
  plan: IngressPlan;
  reportsFolder: string;
  /** Absolute path of the import folder (`<sftp root>/d365_loads/imports`). */
  importDir: string;
  close(): Promise<void>;
}

/** A further mapping of a test, with the metadata its plan is built from. */
export interface ExtraMapping {
  mapping: NonNullable<ConfigInput['ingress']>[number];
  entitySet: string;
  columns: D365Column[];
  fields: CampaignField[];
  profileLinks?: string[];
  /** Fields that link to another custom resource, with its key field. */
  resourceLinks?: { field: string; keyField: string }[];
}

export interface FileStackOptions {
  contacts: number;
  chunkRows: number;
  pageSize: number;
  /** @default 600000 (ACS's 10 minutes) */
  signalCooldownMs?: number;
  /** More simulator options (custom resources, workflows). */
  campaign?: CampaignSimulatorOptions;
  extraMappings?: ExtraMapping[];
}

/** Both simulators and a real sshd serving the Campaign simulator's SFTP folder, and worker resources over them. */
export async function startFileStack(options: FileStackOptions): Promise<FileStack> {
  const reportsFolder = await mkdtemp(join(tmpdir(), 'acs-reports-'));
  const config = testConfig(options, reportsFolder);
  const mapping = config.ingress[0];
  if (!mapping) throw new Error('the test configuration has no mapping');
  const plan = planOf(mapping, 0, CONTACT_COLUMNS, PROFILE_FIELDS);
  const sources = new Map<string, ChunkMapping>([[mapping.name, { plan, table: { entitySetName: 'contacts' } }]]);
  (options.extraMappings ?? []).forEach((extra, i) => {
    const configured = config.ingress[i + 1];
    if (!configured) throw new Error('the test configuration lost a mapping');
    sources.set(configured.name, {
      plan: planOf(configured, i + 1, extra.columns, extra.fields),
      table: { entitySetName: extra.entitySet },
      ...(extra.profileLinks ? { profileLinks: extra.profileLinks } : {}),
      ...(extra.resourceLinks ? { resourceLinks: extra.resourceLinks } : {}),
    });
  });
  const dynamics = await startDynamicsFixture({ seedContacts: options.contacts });
  const campaign = await startCampaignFixture({
    signalCooldownMs: options.signalCooldownMs ?? 600_000,
    ...options.campaign,
  });
  const sshd = await startSshd({ root: campaign.sftpRoot });
  const root = join(campaign.sftpRoot, 'd365_loads');
  const sftp = new SftpClient(clientOptionsFor(sshd, { root }));
  const d365 = dynamics.client();
  const resources: WorkerResources = {
    config,
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent', format: 'json' }),
    dynamics: () => d365,
    campaign: () => campaign.client,
    sftp: () => sftp,
    close: () => Promise.resolve(),
  };
  return {
    dynamics,
    d365,
    campaign,
    sshd,
    sftp,
    config,
    resources,
    plans: {
      get: (name) => {
        const source = sources.get(name);
        return source ? Promise.resolve(source) : Promise.reject(new Error(`no test plan for ${name}`));
      },
    },
    plan,
    reportsFolder,
    importDir: join(root, 'imports'),
    async close() {
      await sftp.close();
      await sshd.stop();
      await campaign.close();
      await dynamics.close();
      await rm(reportsFolder, { recursive: true, force: true });
    },
  };
}

function planOf(mapping: IngressMapping, index: number, columns: D365Column[], fields: CampaignField[]): IngressPlan {
  const built = buildIngressPlan(mapping, index, columns, fields);
  if (!built.ok) throw new Error(`test plan: ${JSON.stringify(built.problems)}`);
  return built.plan;
}

function testConfig(options: FileStackOptions, reportsFolder: string): Config {
  const input: ConfigInput = {
    dynamics: {
      url: 'https://d365.invalid',
      tenantId: 't',
      clientId: 'c',
      clientSecretEnv: 'UNUSED_D365_SECRET',
      pageSize: options.pageSize,
    },
    campaign: {
      organization: 'acme',
      clientId: 'c',
      clientSecretEnv: 'UNUSED_CAMPAIGN_SECRET',
      sftp: {
        host: '127.0.0.1',
        username: 'u',
        privateKeyEnv: 'UNUSED_SFTP_KEY',
        hostKeyFingerprints: [`SHA256:${'A'.repeat(43)}`],
        root: '/d365_loads',
      },
    },
    ingress: [
      {
        name: 'contacts',
        from: 'contact',
        to: 'profile',
        key: { from: 'contactid', to: 'externalId' },
        fields: [
          { from: 'firstname', to: 'firstName' },
          { from: 'lastname', to: 'lastName' },
          { from: 'emailaddress1', to: 'email' },
          { from: 'birthdate', to: 'birthDate' },
          { from: 'gendercode', to: 'gender' },
          { from: 'donotbulkemail', to: 'blackListEmail' },
        ],
        replacements: [
          { field: 'gendercode', from: 1, to: 'male' },
          { field: 'gendercode', from: 2, to: 'female' },
        ],
        initialTransfer: {
          fileThreshold: options.chunkRows,
          chunkRows: options.chunkRows,
          importWorkflow: 'WKF_IMPORT_PROFILE',
        },
      },
      ...(options.extraMappings ?? []).map((extra) => extra.mapping),
    ],
    reports: { folder: reportsFolder },
  };
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`test configuration: ${JSON.stringify(result.problems)}`);
  return result.config;
}

/** The records of a CSV text (header first). */
export async function csvRows(text: string): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const row of parseCsv(Readable.from([text]), ',')) rows.push(row);
  return rows;
}

/** A gzip import file from the SFTP folder, decoded: header and rows. */
export async function readChunk(importDir: string, fileName: string): Promise<{ header: string[]; rows: string[][] }> {
  const [header = [], ...rows] = await csvRows(gunzipSync(await readFile(join(importDir, fileName))).toString('utf8'));
  return { header, rows };
}

/** File names in a folder, sorted (folders included). */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Every contact as D365 has it now, by id. */
export async function d365Contacts(client: DynamicsClient): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  for await (const page of client.readPages('contacts', { select: SELECT, pageSize: 5000 })) {
    for (const row of page.rows) rows.set(String(row.contactid), row);
  }
  return rows;
}

/** What the import file holds for a D365 contact under the test mapping, in header order. */
export function expectedCells(row: Row): Record<string, string> {
  const gender = row.gendercode === 1 ? 'male' : row.gendercode === 2 ? 'female' : '';
  return {
    externalId: String(row.contactid),
    firstName: typeof row.firstname === 'string' ? row.firstname : '',
    lastName: typeof row.lastname === 'string' ? row.lastname : '',
    email: typeof row.emailaddress1 === 'string' ? row.emailaddress1 : '',
    birthDate: typeof row.birthdate === 'string' ? row.birthdate : '',
    gender,
    blackListEmail: String(row.donotbulkemail === true),
  };
}

/** A row of an import file as a record by column name. */
export function byHeader(header: string[], row: string[]): Record<string, string> {
  return Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']));
}
