import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { type SyncIngressPageInput, type SyncIngressPageResult } from '../../src/activities/ingress/contracts';
import { type ConfigInput } from '../../src/config/schema';
import { PROFILE_EXTERNAL_ID_KEY, type ResourceClient } from '../../src/connectors/campaign';
import { type DynamicsClient, type Row } from '../../src/connectors/dynamics';
import { startIngressStack, type IngressStack } from '../harness/ingress-stack';
import { campaignRecords, runPass } from '../harness/ingress-passes';
import { DELTA_TOKEN_EXPIRED } from '../../src/sync/failure-types';

type Mapping = NonNullable<ConfigInput['ingress']>[number];

const CONTACTS: Mapping = {
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
    { from: 'statecode', to: 'status' },
    { from: 'telephone1', to: 'phone', applyUpdates: false },
  ],
  replacements: [
    { field: 'gendercode', from: 'Male', to: 'male' },
    { field: 'gendercode', from: 'Female', to: 'female' },
  ],
  deletes: true,
};

const FORMATTED = 'OData.Community.Display.V1.FormattedValue';

async function d365Contacts(client: DynamicsClient): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of client.readPages('contacts', { includeAnnotations: FORMATTED })) rows.push(...page.rows);
  return rows;
}

describe('ingress pages over the API path: contacts to profiles', () => {
  let stack: IngressStack;
  let d365: DynamicsClient;
  let profiles: ResourceClient;
  let deltaLink: string;
  /** A contact Campaign never takes (its email is invalid). */
  let rejectedId = '';

  beforeAll(async () => {
    stack = await startIngressStack({
      dynamics: { seedContacts: 12 },
      profileExtension: { status: { type: 'enumeration', values: ['Active', 'Inactive'] } },
    });
    d365 = stack.dynamics.client();
    profiles = stack.campaign.client.resource({
      api: 'profileAndServicesExt',
      name: 'profile',
      key: PROFILE_EXTERNAL_ID_KEY,
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('reads everything page by page and creates profiles equal to the D365 rows, field by field', async () => {
    const { activities } = stack.activities([CONTACTS]);
    const pass = await runPass(activities, 'contacts', 'full', 'initial');
    deltaLink = pass.deltaLink;
    expect(pass.pages).toBe(3);
    expect(pass.counts).toEqual({
      read: 12,
      created: 12,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      filteredOut: 0,
      rejected: 0,
      waiting: 0,
    });

    const records = await campaignRecords(stack.campaign.client, 'profileAndServicesExt', 'profile', 'externalId');
    const rows = await d365Contacts(d365);
    expect(records.size).toBe(12);
    for (const row of rows) {
      const profile = records.get(String(row.contactid));
      expect(profile).toBeDefined();
      expect(profile).toMatchObject({
        firstName: row.firstname,
        lastName: row.lastname,
        email: row.emailaddress1,
        birthDate: row.birthdate ?? '',
        gender: String(row[`gendercode@${FORMATTED}`]).toLowerCase(),
        status: row[`statecode@${FORMATTED}`],
        phone: row.telephone1,
      });
    }
    // Picklists went by label: both labels occur, and no profile holds a numeric code.
    expect(new Set([...records.values()].map((r) => r.status))).toContain('Active');
    expect([...records.values()].every((r) => ['male', 'female'].includes(String(r.gender)))).toBe(true);
  });

  it('repeating a page changes nothing (every write is by key)', async () => {
    const { activities } = stack.activities([CONTACTS]);
    const again = await runPass(activities, 'contacts', 'full', 'repeat');
    expect(again.counts).toMatchObject({ read: 12, created: 0, updated: 0, unchanged: 12 });
  });

  it('an incremental pass creates, patches changed fields only (never applyUpdates: false ones) and deletes', async () => {
    const { activities } = stack.activities([CONTACTS]);
    const rows = await d365Contacts(d365);
    const [changed, deleted, gone] = rows.map((row) => String(row.contactid));
    const changedProfile = await profiles.findByKey({ externalId: changed ?? '' });
    // Campaign's own edit of a field that incremental passes leave alone.
    await profiles.patch(changedProfile?.PKey ?? '', { phone: 'edited in Campaign' });
    const goneProfile = await profiles.findByKey({ externalId: gone ?? '' });
    await profiles.delete(goneProfile?.PKey ?? '');

    await d365.update('contacts', changed ?? '', { firstname: 'Changed', telephone1: '+1 555 0000' });
    const created = await d365.create('contacts', {
      firstname: 'New',
      lastname: 'Person',
      emailaddress1: 'new.person@example.com',
      telephone1: '+1 555 7777',
      gendercode: 2,
    });
    await d365.delete('contacts', deleted ?? '');
    await d365.delete('contacts', gone ?? '');

    const pass = await runPass(activities, 'contacts', 'incremental', 'pass-1', deltaLink);
    deltaLink = pass.deltaLink;
    // Two tombstones; the one whose profile was already gone is not an error and deletes nothing.
    expect(pass.counts).toEqual({
      read: 4,
      created: 1,
      updated: 1,
      unchanged: 0,
      deleted: 1,
      filteredOut: 0,
      rejected: 0,
      waiting: 0,
    });

    const records = await campaignRecords(stack.campaign.client, 'profileAndServicesExt', 'profile', 'externalId');
    expect(records.get(changed ?? '')).toMatchObject({ firstName: 'Changed', phone: 'edited in Campaign' });
    expect(records.get(String(created.id))).toMatchObject({
      firstName: 'New',
      gender: 'female',
      status: 'Active',
      phone: '+1 555 7777',
    });
    expect(records.has(deleted ?? '')).toBe(false);
    expect(records.size).toBe(11);
  });

  it('leaves Campaign alone on a D365 delete when the mapping does not apply deletes', async () => {
    const { activities } = stack.activities([{ ...CONTACTS, deletes: false }]);
    const rows = await d365Contacts(d365);
    const kept = String(rows[0]?.contactid);
    await d365.delete('contacts', kept);
    const pass = await runPass(activities, 'contacts', 'incremental', 'pass-2', deltaLink);
    deltaLink = pass.deltaLink;
    expect(pass.counts).toMatchObject({ read: 1, deleted: 0 });
    expect(await profiles.findByKey({ externalId: kept })).toBeDefined();
  });

  it('writes a record Campaign cannot take to the rejects report with key, field, kind and reason, never the value', async () => {
    const { activities } = stack.activities([CONTACTS]);
    const secretName = 'Maximiliana-Theodora-Wilhelmina';
    const bad = await d365.create('contacts', {
      firstname: secretName,
      lastname: 'Okafor',
      emailaddress1: 'no-at-sign',
    });
    const good = await d365.create('contacts', { firstname: 'Fine', lastname: 'Row' });
    const pass = await runPass(activities, 'contacts', 'incremental', 'pass-3', deltaLink);
    deltaLink = pass.deltaLink;
    expect(pass.counts).toMatchObject({ read: 2, created: 1, rejected: 1 });
    rejectedId = String(bad.id);
    expect(await profiles.findByKey({ externalId: rejectedId })).toBeUndefined();
    expect(await profiles.findByKey({ externalId: String(good.id) })).toBeDefined();

    const csv = await readFile(join(stack.reportsFolder, 'ingress', 'contacts', 'pass-3.csv'), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('key,field,valueKind,reason');
    expect(lines.slice(1).sort()).toEqual([
      `${String(bad.id)},email,string,email: not a valid email address`,
      `${String(bad.id)},firstName,string,"firstName: ${secretName.length} characters, Campaign allows 30"`,
    ]);
    expect(csv).not.toContain(secretName);
    expect(csv).not.toContain('no-at-sign');
  });

  it('rejects a record Campaign refuses, and creates once when the answer to a create is lost', async () => {
    const { activities } = stack.activities([CONTACTS]);
    const refused = await d365.create('contacts', { firstname: 'Refused', lastname: 'ByCampaign' });
    const lost = await d365.create('contacts', { firstname: 'Lost', lastname: 'Answer' });
    const faults = stack.campaign.sim.faults;
    // The first create is refused outright; the second happens in Campaign but its answer is replaced by a 503.
    faults.add({ kind: 'status', status: 400, method: 'POST', path: '/profile', times: 1 });
    faults.add({ kind: 'status', status: 503, method: 'POST', path: '/profile', times: 1, afterProcessing: true });
    try {
      const pass = await runPass(activities, 'contacts', 'incremental', 'pass-faults', deltaLink);
      deltaLink = pass.deltaLink;
      expect(pass.counts).toMatchObject({ read: 2, created: 1, rejected: 1 });
    } finally {
      faults.clear();
    }
    const records = await campaignRecords(stack.campaign.client, 'profileAndServicesExt', 'profile', 'externalId');
    const ids = [String(refused.id), String(lost.id)];
    // Rows run concurrently, so either row may have met either fault: one profile exists, exactly once.
    const present = ids.filter((id) => records.has(id));
    expect(present).toHaveLength(1);
    const all = [...records.values()].filter((r) => ids.includes(String(r.externalId)));
    expect(all).toHaveLength(1);
    const csv = await readFile(join(stack.reportsFolder, 'ingress', 'contacts', 'pass-faults.csv'), 'utf8');
    const absent = ids.find((id) => !records.has(id)) ?? '';
    expect(csv).toContain(
      `${absent},(record),,(record): Campaign refused the write (POST /profileAndServicesExt/profile: HTTP 400)`
    );
  });

  it('heartbeats the page link and the rows done, and nothing of the records, inside an activity', async () => {
    const { activities } = stack.activities([CONTACTS]);
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const page = (input: SyncIngressPageInput): Promise<SyncIngressPageResult> =>
      env.run<[SyncIngressPageInput], SyncIngressPageResult, typeof activities.syncIngressPage>(
        activities.syncIngressPage,
        input
      );
    const first = await page({ mapping: 'contacts', mode: 'full', reportId: 'beats' });
    expect(first.nextLink).toBeDefined();
    const second = await page({ mapping: 'contacts', mode: 'full', link: first.nextLink, reportId: 'beats' });
    expect(beats).toEqual([{ rowsDone: 5 }, { link: first.nextLink, rowsDone: second.counts.read }]);
  });

  it('stops taking rows when the activity is cancelled', async () => {
    const { activities } = stack.activities([CONTACTS]);
    await activities.preflightIngress({ mapping: 'contacts' });
    const campaignCalls = (): number => Object.values(stack.campaign.sim.requests).reduce((a, b) => a + b, 0);
    const callsBefore = campaignCalls();
    const env = new MockActivityEnvironment();
    env.cancel();
    await expect(
      env.run<[SyncIngressPageInput], SyncIngressPageResult, typeof activities.syncIngressPage>(
        activities.syncIngressPage,
        { mapping: 'contacts', mode: 'full', reportId: 'cancelled' }
      )
    ).rejects.toBeInstanceOf(CancelledFailure);
    // The page was read from D365, but not one row went on to Campaign.
    expect(campaignCalls()).toBe(callsBefore);
  });

  it('fails with a non-retryable DeltaTokenExpired failure when the delta link has expired', async () => {
    const { activities } = stack.activities([CONTACTS]);
    stack.dynamics.sim.expireDeltaTokens('contacts');
    await expect(
      activities.syncIngressPage({ mapping: 'contacts', mode: 'incremental', link: deltaLink, reportId: 'pass-4' })
    ).rejects.toMatchObject({ type: DELTA_TOKEN_EXPIRED, nonRetryable: true });
  });

  it('after an expired delta link, a full re-read and reconciliation leave Campaign equal to D365', async () => {
    const { activities } = stack.activities([CONTACTS]);
    // Deleted while the delta link was expired: no tombstone will ever say so.
    const rows = await d365Contacts(d365);
    const goneWithoutTombstone = String(rows[0]?.contactid);
    await d365.delete('contacts', goneWithoutTombstone);
    const notFromD365 = await profiles.create({ email: 'campaign.only@example.com', firstName: 'Campaign' });

    const reread = await runPass(activities, 'contacts', 'full', 'reread');
    let cursor: string | undefined;
    let deleted = 0;
    do {
      const result = await activities.reconcileIngressDeletes({ mapping: 'contacts', ...(cursor ? { cursor } : {}) });
      deleted += result.deleted;
      cursor = result.cursor;
    } while (cursor);
    // The contact above, and the one deleted earlier while deletes were off.
    expect(deleted).toBe(2);

    const d365Ids = new Set((await d365Contacts(d365)).map((row) => String(row.contactid)));
    d365Ids.delete(rejectedId);
    const records = await campaignRecords(stack.campaign.client, 'profileAndServicesExt', 'profile', 'externalId');
    const campaignIds = [...records.keys()].filter((id) => id !== '');
    expect(campaignIds.sort()).toEqual([...d365Ids].sort());
    expect(reread.counts.rejected).toBe(1);
    expect(await profiles.get(notFromD365.PKey)).toBeDefined();
  });
});
