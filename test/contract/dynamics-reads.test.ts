import { DynamicsMalformedResponseError } from '../../src/connectors/dynamics';
import { collect, type DynamicsFixture, startDynamicsFixture } from '../harness/dynamics-fixture';

describe('Dynamics client reads against the simulator', () => {
  let fx: DynamicsFixture;

  beforeAll(async () => {
    fx = await startDynamicsFixture({ seedContacts: 23 });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('pages with odata.maxpagesize and follows nextLink verbatim', async () => {
    const client = fx.client();
    const pages = await collect(
      client.readPages('contacts', { select: ['firstname', 'lastname', 'emailaddress1'], pageSize: 10 })
    );
    expect(pages.map((p) => p.rows.length)).toEqual([10, 10, 3]);
    const ids = pages.flatMap((p) => p.rows.map((r) => r.contactid));
    expect(new Set(ids).size).toBe(23);
    expect(pages[2]?.nextLink).toBeUndefined();
    // Every follow-up request is exactly the nextLink the previous page gave.
    const gets = fx.sim.requests.filter((r) => r.method === 'GET' && r.url.includes('/contacts')).slice(-3);
    expect(`${fx.sim.url}${gets[1]?.url ?? ''}`).toBe(pages[0]?.nextLink);
    expect(`${fx.sim.url}${gets[2]?.url ?? ''}`).toBe(pages[1]?.nextLink);
    expect(pages[0]?.rows[0]).toEqual(
      expect.objectContaining({ '@odata.etag': expect.stringMatching(/^W\/"\d+"$/), firstname: expect.any(String) })
    );
    expect(Object.keys(pages[0]?.rows[0] ?? {})).not.toContain('telephone1');
  });

  it('filters case-insensitively and orders across pages without loss', async () => {
    const client = fx.client();
    const all = (await collect(client.readPages('contacts', { select: ['lastname', 'statecode'] }))).flatMap(
      (p) => p.rows
    );
    const active = all.filter((r) => r.statecode === 0);
    const filtered = await collect(
      client.readPages('contacts', {
        select: ['lastname', 'statecode'],
        filter: 'statecode eq 0',
        orderBy: 'lastname desc',
        pageSize: 4,
      })
    );
    const rows = filtered.flatMap((p) => p.rows);
    expect(rows).toHaveLength(active.length);
    const names = rows.map((r) => String(r.lastname));
    expect(names).toEqual([...names].sort((a, b) => b.localeCompare(a)));
    const someName = String(all[0]?.lastname);
    const byName = (
      await collect(client.readPages('contacts', { filter: `startswith(lastname,'${someName.toUpperCase()}')` }))
    ).flatMap((p) => p.rows);
    expect(byName.length).toBe(all.filter((r) => r.lastname === someName).length);
  });

  it('counts with $count, /$count and RetrieveTotalRecordCount', async () => {
    const client = fx.client();
    const [first] = await collect(client.readPages('contacts', { count: true, pageSize: 5 }));
    expect(first?.count).toBe(23);
    expect(await client.count('contacts')).toBe(23);
    expect(await client.totalRecordCount(['contact', 'acs_membership'])).toEqual({ contact: 23, acs_membership: 0 });
  });

  it('honours $top without a page size (no next link)', async () => {
    const pages = await collect(fx.client().readPages('contacts', { top: 7 }));
    expect(pages).toHaveLength(1);
    expect(pages[0]?.rows).toHaveLength(7);
  });

  it('reports malformed answers clearly', async () => {
    const client = fx.client();
    fx.sim.faults.malformNext(1, 'non-json');
    const err = await collect(client.readPages('contacts')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamicsMalformedResponseError);
    expect(String(err)).toMatch(
      /GET \/api\/data\/v9.2\/contacts: malformed answer \(HTTP 200\): expected JSON but got text\/html \(\d+ bytes\)/
    );
    fx.sim.faults.malformNext(1, 'missing-value');
    await expect(collect(client.readPages('contacts'))).rejects.toThrow(
      /GET \/api\/data\/v9.2\/contacts: malformed answer \(HTTP 200\): collection answer has no "value" array/
    );
    fx.sim.faults.malformNext(1, 'truncated');
    await expect(collect(client.readPages('contacts'))).rejects.toThrow(/body is not valid JSON/);
  });

  it('names the call, status and Dataverse code of a refused query, without the query string', async () => {
    const err = await collect(
      fx.client().readPages('contacts', { filter: "nosuchcolumn eq 'secret@example.com'" })
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: '0x80060888', method: 'GET', path: '/api/data/v9.2/contacts' });
    expect(String(err)).toContain("Could not find a property named 'nosuchcolumn'");
    expect(String(err)).not.toContain('secret@example.com');
  });
});
