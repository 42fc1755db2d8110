import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { SIGNAL_COOLDOWN_MS } from '../../src/activities/ingress/campaign-import';
import { CAMPAIGN_IMPORT_COOLDOWN, INGRESS_INPUT_ERROR } from '../../src/sync/failure-types';
import { type WriteIngressChunkResult } from '../../src/activities/ingress/contracts';
import { createIngressFileActivities } from '../../src/activities/ingress/write-chunk-activities';
import { csvRows, d365Contacts, expectedCells, startFileStack, type FileStack } from '../harness/ingress-file-fixture';

const BATCH = '20260102080000';
const REPORT = 'contacts-initial-test';

/** A profile as the import test compares it: the mapped fields as text, empty for no value. */
function profileCells(values: Record<string, unknown>): Record<string, string> {
  const text = (value: unknown): string =>
    value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return {
    externalId: text(values.externalId),
    firstName: text(values.firstName),
    lastName: text(values.lastName),
    email: text(values.email),
    birthDate: text(values.birthDate),
    gender: text(values.gender),
    blackListEmail: String(values.blackListEmail === true),
  };
}

describe('initial transfer, file path: the Campaign import workflow', () => {
  let stack: FileStack;
  let activities: ReturnType<typeof createIngressFileActivities>;
  let chunks: WriteIngressChunkResult[];
  let badEmailId: string;
  let longNameId: string;

  beforeAll(async () => {
    stack = await startFileStack({ contacts: 1_200, chunkRows: 500, pageSize: 250 });
    activities = createIngressFileActivities(stack.resources, stack.plans, { pollIntervalMs: 20 });
    const ids = [...(await d365Contacts(stack.d365)).keys()];
    badEmailId = ids[3] ?? '';
    longNameId = ids[700] ?? '';
    // Refused by the mapping (Campaign's email data policy) …
    await stack.d365.update('contacts', badEmailId, { emailaddress1: 'no-at-sign.example.com' });
    // … and by Campaign only: its firstName holds 30 characters, which the plan's metadata does not say.
    await stack.d365.update('contacts', longNameId, { firstname: 'Bartholomew-Maximilian-Alexander-Jr' });
    chunks = [];
    let link: string | undefined;
    for (let chunkNumber = 1; chunkNumber < 10; chunkNumber += 1) {
      const chunk = await activities.writeIngressChunk({
        mapping: 'contacts',
        batchId: BATCH,
        chunkNumber,
        reportId: REPORT,
        ...(link !== undefined ? { link } : {}),
      });
      chunks.push(chunk);
      if (chunk.deltaLink !== undefined) break;
      link = chunk.nextLink;
    }
  });
  afterAll(() => stack?.close());

  async function waitForImport(): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await activities.getCampaignImportStatus({ mapping: 'contacts' });
      if (status.finished || status.failed || Date.now() > deadline) return status.state;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('the signalled import workflow imports the chunks: Campaign then equals D365 field by field', async () => {
    // Chunks end at the first page boundary at or past 500 written rows: the refused row delays the first one a page.
    expect(chunks.map((c) => c.rows)).toEqual([749, 450]);
    expect(chunks.reduce((sum, c) => sum + c.counts.rejected, 0)).toBe(1);
    const fileNames = chunks.map((c) => c.fileName);
    await activities.startCampaignImport({ mapping: 'contacts', fileNames });
    const execution = (await stack.campaign.client.workflows.get('WKF_IMPORT_PROFILE')).raw.lastExecution as {
      source: string;
      parameters: Record<string, unknown>;
    };
    expect(execution).toMatchObject({ source: 'acs-d365', parameters: { fileNames: fileNames.join(',') } });
    expect(await waitForImport()).toBe('finished');
    expect(await activities.getCampaignImportStatus({ mapping: 'contacts' })).toEqual({
      state: 'finished',
      finished: true,
      failed: false,
    });

    const d365 = await d365Contacts(stack.d365);
    const profiles = [...(stack.campaign.sim.store.table('profile')?.values() ?? [])];
    const byKey = new Map(profiles.map((p) => [String(p.values.externalId), p.values]));
    expect(profiles).toHaveLength(1_198);
    expect(byKey.size).toBe(1_198);
    expect(byKey.has(badEmailId)).toBe(false);
    expect(byKey.has(longNameId)).toBe(false);
    for (const [id, row] of d365) {
      if (id === badEmailId || id === longNameId) continue;
      const profile = byKey.get(id);
      expect(profile && profileCells(profile)).toEqual(expectedCells(row));
    }
  });

  it('rows refused by the mapping and by Campaign are in the rejects report, without their values', async () => {
    const fileNames = chunks.map((c) => c.fileName);
    const { rejected } = await activities.collectImportRejects({ mapping: 'contacts', fileNames, reportId: REPORT });
    expect(rejected).toBe(1);
    const report = await readFile(join(stack.reportsFolder, 'ingress', 'contacts', `${REPORT}.csv`), 'utf8');
    const [header, ...rows] = await csvRows(report);
    expect(header).toEqual(['key', 'field', 'valueKind', 'reason']);
    expect(rows).toHaveLength(2);
    expect(rows).toContainEqual([badEmailId, 'email', 'string', 'email: not a valid email address']);
    const campaignReject = rows.find((row) => row[0] === longNameId);
    expect(campaignReject?.slice(0, 3)).toEqual([longNameId, 'firstName', 'string']);
    expect(campaignReject?.[3]).toMatch(
      /^Campaign import refused record \d+ of profile_20260102080000_00000\d\.csv\.gz: /
    );
    expect(campaignReject?.[3]).toContain("'firstName' is too long for the 'profile' resource");
    expect(report).not.toContain('Bartholomew');
    expect(report).not.toContain('no-at-sign');
  });

  it('a second import within ten minutes fails retryably, retried when the cooldown ends', async () => {
    const fileNames = [chunks[0]?.fileName ?? ''];
    const failure: unknown = await activities.startCampaignImport({ mapping: 'contacts', fileNames }).then(
      () => undefined,
      (error: unknown) => error
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const appFailure = failure as ApplicationFailure;
    expect(appFailure.type).toBe(CAMPAIGN_IMPORT_COOLDOWN);
    expect(appFailure.nonRetryable).toBe(false);
    expect(appFailure.message).toMatch(/once every 10 minutes/);
    const delay = Number(appFailure.nextRetryDelay);
    expect(delay).toBeGreaterThan(SIGNAL_COOLDOWN_MS - 60_000);
    expect(delay).toBeLessThanOrEqual(SIGNAL_COOLDOWN_MS + 1_000);
    // The workflow was started again and still waits for its signal.
    expect((await activities.getCampaignImportStatus({ mapping: 'contacts' })).state).toBe('started');
  });

  it('refuses file names that are not plain names, and a missing rejects file is an error', async () => {
    for (const fileNames of [[], ['a.csv,b.csv'], ['../x.csv.gz']]) {
      await expect(activities.startCampaignImport({ mapping: 'contacts', fileNames })).rejects.toMatchObject({
        nonRetryable: true,
        type: INGRESS_INPUT_ERROR,
      });
    }
    await expect(
      activities.collectImportRejects({
        mapping: 'contacts',
        fileNames: ['profile_20991231000000_000001.csv.gz'],
        reportId: REPORT,
      })
    ).rejects.toThrow(/profile_20991231000000_000001_rejects\.csv/);
  });
});
