import {
  type ChangePage,
  DeltaTokenExpiredError,
  DynamicsApiError,
  type DynamicsClient,
} from '../../src/connectors/dynamics';
import { collect, type DynamicsFixture, startDynamicsFixture } from '../harness/dynamics-fixture';

/** Reads all pages of one change-tracking run and returns them with the final delta link. */
async function run(client: DynamicsClient, deltaLink?: string): Promise<{ pages: ChangePage[]; deltaLink: string }> {
  const pages = await collect(
    client.readChanges('contacts', { select: ['firstname', 'lastname'], pageSize: 4, deltaLink })
  );
  const last = pages[pages.length - 1];
  if (!last?.deltaLink) throw new Error('no delta link on the last page');
  return { pages, deltaLink: last.deltaLink };
}

describe('Dynamics change tracking against the simulator', () => {
  let fx: DynamicsFixture;
  let now = Date.UTC(2026, 0, 10);

  beforeAll(async () => {
    fx = await startDynamicsFixture({ seedContacts: 10, clock: () => now, deltaTokenRetentionDays: 7 });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('reads everything, with the delta link only on the last page, then returns upserts before tombstones', async () => {
    const client = fx.client();
    const initial = await run(client);
    expect(initial.pages.map((p) => p.upserts.length)).toEqual([4, 4, 2]);
    expect(initial.pages.slice(0, -1).every((p) => p.deltaLink === undefined && p.nextLink !== undefined)).toBe(true);
    expect(initial.deltaLink).toContain('$deltatoken=');
    expect(initial.deltaLink).toContain('$select=firstname%2Clastname');

    const ids = initial.pages.flatMap((p) => p.upserts.map((r) => String(r.contactid)));
    await client.update('contacts', ids[0] as string, { firstname: 'Changed' });
    await client.delete('contacts', ids[1] as string);
    const created = await client.create('contacts', { firstname: 'New', lastname: 'Person' });
    const ephemeral = await client.create('contacts', { firstname: 'Gone', lastname: 'Soon' });
    await client.delete('contacts', ephemeral.id as string);
    expect(await client.countChanges(initial.deltaLink)).toBe(4);

    const delta = await run(client, initial.deltaLink);
    const upserts = delta.pages.flatMap((p) => p.upserts);
    const deletes = delta.pages.flatMap((p) => p.deletes);
    expect(upserts.map((r) => r.contactid).sort()).toEqual([ids[0], created.id].sort());
    expect(upserts.find((r) => r.contactid === ids[0])?.firstname).toBe('Changed');
    // Create-then-delete between two syncs still yields a tombstone.
    expect(deletes.map((d) => d.id).sort()).toEqual([ids[1], ephemeral.id].sort());
    expect(deletes.every((d) => d.reason === 'deleted')).toBe(true);
    // Upserts come before tombstones across the pages.
    const order = delta.pages.flatMap((p) => [...p.upserts.map(() => 'u'), ...p.deletes.map(() => 'd')]).join('');
    expect(order).toMatch(/^u*d*$/);

    const idle = await run(client, delta.deltaLink);
    expect(idle.pages).toHaveLength(1);
    expect(idle.pages[0]?.upserts).toEqual([]);
    expect(idle.pages[0]?.deletes).toEqual([]);
  });

  it('loses nothing when a write lands between two pages of the full read', async () => {
    const client = fx.client();
    const seen = new Map<string, unknown>();
    let deltaLink: string | undefined;
    let pageNumber = 0;
    let changedLater: string | undefined;
    for await (const page of client.readChanges('contacts', { select: ['firstname'], pageSize: 3 })) {
      pageNumber++;
      for (const row of page.upserts) seen.set(String(row.contactid), row.firstname);
      if (pageNumber === 1) {
        // Change a row already read, and create one, while the read is in progress.
        changedLater = String(page.upserts[0]?.contactid);
        await client.update('contacts', changedLater, { firstname: 'Between pages' });
        await client.create('contacts', { firstname: 'Mid read', lastname: 'Row' });
      }
      deltaLink = page.deltaLink ?? deltaLink;
    }
    const delta = await run(client, deltaLink);
    for (const row of delta.pages.flatMap((p) => p.upserts)) seen.set(String(row.contactid), row.firstname);
    expect(seen.get(changedLater as string)).toBe('Between pages');
    expect([...seen.values()]).toContain('Mid read');
    expect(seen.size).toBe(await client.count('contacts'));
  });

  it('answers an expired delta token with its own error type', async () => {
    const client = fx.client();
    const { deltaLink } = await run(client);
    fx.sim.expireDeltaTokens('contacts');
    const err = await collect(client.readChanges('contacts', { deltaLink })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeltaTokenExpiredError);
    expect(err).toMatchObject({ code: '0x80044352', status: 400 });
    expect(String(err)).not.toContain('deltatoken');

    // A fresh full read works again, and its token ages out after the retention period.
    const fresh = await run(client);
    await expect(collect(client.readChanges('contacts', { deltaLink: fresh.deltaLink }))).resolves.toHaveLength(1);
    now += 8 * 24 * 3600 * 1000;
    await expect(collect(client.readChanges('contacts', { deltaLink: fresh.deltaLink }))).rejects.toBeInstanceOf(
      DeltaTokenExpiredError
    );
  });

  it('rejects query options that change tracking does not support', async () => {
    const client = fx.client();
    const url = `${fx.sim.apiUrl}contacts?$filter=statecode eq 0`;
    const err = await collect(client.readChanges('contacts', { startLink: url })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamicsApiError);
    expect(String(err)).toContain("The $filter query parameter isn't supported when Change Tracking is enabled.");
  });

  it('refuses change tracking on a table without it', async () => {
    const err = await collect(fx.client().readChanges('tasks')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamicsApiError);
    expect(err).toMatchObject({ status: 400, code: '0x80048459' });
  });

  it('tracks the custom table too', async () => {
    const client = fx.client();
    const { deltaLink } = await run(client);
    expect(deltaLink).toBeDefined();
    await client.create('acs_memberships', { acs_name: 'Gold member', acs_membershipnumber: 'M-1', acs_tier: 3 });
    const first = await collect(client.readChanges('acs_memberships'));
    expect(first.flatMap((p) => p.upserts).map((r) => r.acs_membershipnumber)).toEqual(['M-1']);
    const link = first[first.length - 1]?.deltaLink as string;
    await client.delete('acs_memberships', { acs_membershipnumber: 'M-1' });
    const delta = await collect(client.readChanges('acs_memberships', { deltaLink: link }));
    expect(delta.flatMap((p) => p.deletes)).toHaveLength(1);
  });
});
