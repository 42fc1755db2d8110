import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type WriteIngressChunkResult } from '../../src/activities/ingress/contracts';
import { createIngressFileActivities } from '../../src/activities/ingress/write-chunk-activities';
import { defaultImportWorkflow } from '../../src/sandbox/campaign';
import { csvRows, d365Contacts, readChunk, startFileStack, type FileStack } from '../harness/ingress-file-fixture';
import { CAMPAIGN_IMPORT_NOT_READY } from '../../src/sync/failure-types';

const MEMBERSHIPS = 'memberships';

describe('initial transfer, file path: a custom resource linked to profile', () => {
  let stack: FileStack;
  let activities: ReturnType<typeof createIngressFileActivities>;
  let contactIds: string[];
  /** Membership id → the contact it belongs to ('' for none). */
  const owners = new Map<string, string>();

  beforeAll(async () => {
    stack = await startFileStack({
      contacts: 40,
      chunkRows: 50,
      pageSize: 25,
      signalCooldownMs: 0,
      campaign: {
        customResources: [
          {
            name: 'cusMembership',
            fields: {
              crmId: { type: 'string', maxLength: 64 },
              label: { type: 'string' },
              points: { type: 'integer' },
            },
            identificationKey: ['crmId'],
            profileLink: { field: 'profile', cardinality: '0..1' },
          },
        ],
        workflows: [
          defaultImportWorkflow(),
          {
            id: 'WKF_IMPORT_MEMBERSHIP',
            signals: { signal1: { fileNames: 'string' } },
            import: { resource: 'cusMembership', key: ['crmId'], signal: 'signal1' },
          },
        ],
      },
      extraMappings: [
        {
          mapping: {
            name: MEMBERSHIPS,
            from: 'acs_membership',
            to: 'cusMembership',
            key: { from: 'acs_membershipid', to: 'crmId' },
            fields: [
              { from: 'acs_name', to: 'label' },
              { from: 'acs_points', to: 'points' },
              { from: 'acs_contactid', to: 'profile' },
            ],
            initialTransfer: { fileThreshold: 50, chunkRows: 50, importWorkflow: 'WKF_IMPORT_MEMBERSHIP' },
          },
          entitySet: 'acs_memberships',
          columns: [
            { logicalName: 'acs_membershipid', type: 'Uniqueidentifier' },
            { logicalName: 'acs_name', type: 'String' },
            { logicalName: 'acs_points', type: 'Integer' },
            { logicalName: 'acs_contactid', type: 'Lookup' },
          ],
          fields: [
            { name: 'crmId', type: 'string', length: 64 },
            { name: 'label', type: 'string' },
            { name: 'points', type: 'integer' },
            { name: 'profile', type: 'string' },
          ],
          profileLinks: ['profile'],
        },
      ],
    });
    activities = createIngressFileActivities(stack.resources, stack.plans, { pollIntervalMs: 20 });
    contactIds = [...(await d365Contacts(stack.d365)).keys()];
    for (let i = 0; i < 60; i += 1) {
      // Every fifth membership has no contact; the others cycle through the contacts.
      const owner = i % 5 === 0 ? '' : (contactIds[i % contactIds.length] ?? '');
      const created = await stack.d365.create('acs_memberships', {
        acs_name: `Member, "${i}"`,
        acs_membershipnumber: `M-${i}`,
        acs_points: i * 10,
        ...(owner ? { 'acs_contactid@odata.bind': `/contacts(${owner})` } : {}),
      });
      owners.set(String(created.id), owner);
    }
  });
  afterAll(() => stack?.close());

  async function waitForEnd(mapping: string): Promise<{ state: string; finished: boolean; failed: boolean }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await activities.getCampaignImportStatus({ mapping });
      if (status.finished || status.failed || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function transfer(mapping: string, batchId: string): Promise<WriteIngressChunkResult[]> {
    const chunks: WriteIngressChunkResult[] = [];
    let link: string | undefined;
    do {
      const chunk = await activities.writeIngressChunk({
        mapping,
        batchId,
        chunkNumber: chunks.length + 1,
        reportId: `${mapping}-${batchId}`,
        ...(link !== undefined ? { link } : {}),
      });
      chunks.push(chunk);
      link = chunk.nextLink;
    } while (link !== undefined);
    const fileNames = chunks.map((chunk) => chunk.fileName);
    await activities.startCampaignImport({ mapping, fileNames });
    const status = await waitForEnd(mapping);
    if (!status.finished) throw new Error(`import ended in state ${status.state}`);
    return chunks;
  }

  it('writes the link as <link>.externalId and Campaign links each record to its contact profile', async () => {
    // Parents first: the contacts' profiles exist before their memberships are imported.
    await transfer('contacts', '20260103090000');
    const chunks = await transfer(MEMBERSHIPS, '20260103091000');
    expect(chunks.map((chunk) => chunk.fileName)).toEqual([
      'cusMembership_20260103091000_000001.csv.gz',
      'cusMembership_20260103091000_000002.csv.gz',
    ]);
    const { header, rows } = await readChunk(stack.importDir, chunks[0]?.fileName ?? '');
    expect(header).toEqual(['crmId', 'label', 'points', 'profile.externalId']);
    expect(rows.filter((row) => row[3] === '')).not.toHaveLength(0);

    const profiles = stack.campaign.sim.store.table('profile');
    const memberships = [...(stack.campaign.sim.store.table('cusMembership')?.values() ?? [])];
    expect(memberships).toHaveLength(60);
    for (const membership of memberships) {
      const owner = owners.get(String(membership.values.crmId));
      expect(owner).toBeDefined();
      const linked = membership.links.profile;
      const profile = linked === undefined ? undefined : profiles?.get(linked);
      expect(profile?.values.externalId ?? '').toBe(owner);
    }
    const sample = memberships.find((m) => m.values.points === 70);
    expect(sample?.values.label).toBe('Member, "7"');
    const { rejected } = await activities.collectImportRejects({
      mapping: MEMBERSHIPS,
      fileNames: chunks.map((c) => c.fileName),
      reportId: 'links',
    });
    expect(rejected).toBe(0);
  });

  it('a record whose contact has no profile is refused by Campaign and reported', async () => {
    const orphanContact = await stack.d365.create('contacts', { firstname: 'No', lastname: 'Profile' });
    const orphan = await stack.d365.create('acs_memberships', {
      acs_name: 'Orphan',
      acs_membershipnumber: 'M-X',
      'acs_contactid@odata.bind': `/contacts(${String(orphanContact.id)})`,
    });
    const chunks = await transfer(MEMBERSHIPS, '20260103100000');
    const { rejected } = await activities.collectImportRejects({
      mapping: MEMBERSHIPS,
      fileNames: chunks.map((c) => c.fileName),
      reportId: 'orphans',
    });
    expect(rejected).toBe(1);
    const [, ...lines] = await csvRows(
      await readFile(join(stack.reportsFolder, 'ingress', MEMBERSHIPS, 'orphans.csv'), 'utf8')
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]?.[0]).toBe(String(orphan.id));
    expect(lines[0]?.[3]).toMatch(
      /^Campaign import refused record \d+ of cusMembership_20260103100000_00000\d\.csv\.gz/
    );
    expect(lines[0]?.[3]).not.toContain(String(orphanContact.id));
  });

  it('an import that fails in Campaign reads as failed', async () => {
    await activities.startCampaignImport({
      mapping: MEMBERSHIPS,
      fileNames: ['cusMembership_20990101000000_000001.csv.gz'],
    });
    expect(await waitForEnd(MEMBERSHIPS)).toEqual({ state: 'error', finished: false, failed: true });
  });

  it('a paused import workflow is not signalled: the start fails retryably while it is paused', async () => {
    const workflows = stack.campaign.client.workflows;
    const wait = { timeoutMs: 5_000, pollIntervalMs: 20 };
    await workflows.start('WKF_IMPORT_MEMBERSHIP');
    await workflows.waitForState('WKF_IMPORT_MEMBERSHIP', (state) => state === 'started', wait);
    await workflows.pause('WKF_IMPORT_MEMBERSHIP');
    await workflows.waitForState('WKF_IMPORT_MEMBERSHIP', (state) => state === 'paused', wait);
    await expect(
      activities.startCampaignImport({
        mapping: MEMBERSHIPS,
        fileNames: ['cusMembership_20260103091000_000001.csv.gz'],
      })
    ).rejects.toMatchObject({ type: CAMPAIGN_IMPORT_NOT_READY, nonRetryable: false });
    expect((await workflows.get('WKF_IMPORT_MEMBERSHIP')).state).toBe('paused');
  });
});
