import { CampaignApiError, PROFILE_EXTERNAL_ID_KEY, parseAcsDate } from '../../src/connectors/campaign';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';

describe('Campaign client ↔ simulator: resources, pagination, filters, validation', () => {
  let fx: CampaignFixture;
  beforeAll(async () => {
    fx = await startCampaignFixture({
      bigTableThreshold: 40,
      profile: { extensionFields: { cusLoyaltyTier: { type: 'string', maxLength: 20 } } },
      customResources: [
        {
          name: 'cusOrder',
          fields: {
            crmId: { type: 'string', maxLength: 64 },
            amount: { type: 'number' },
            orderDate: { type: 'datetime' },
          },
          identificationKey: ['crmId'],
          filters: { byCrmId: { crmId_parameter: 'crmId' } },
          profileLink: { field: 'profile', cardinality: '0..1' },
        },
        {
          name: 'cusStore',
          fields: { code: { type: 'string' }, city: { type: 'string' } },
          identificationKey: ['code'],
        },
      ],
    });
    fx.sim.seedProfiles(60);
  });
  afterAll(() => fx.close());

  const ootb = () => fx.client.resource({ api: 'profileAndServices', name: 'profile' });
  const ext = () => fx.client.resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });

  it('creates (201 full record with opaque PKey), reads, patches ({PKey, href}) and deletes a profile', async () => {
    const created = await ootb().create({ email: 'new.person@example.com', firstName: 'New', externalId: 'c-1' });
    expect(created.PKey).toMatch(/^@[A-Za-z0-9_-]{20,}$/);
    expect(created.href).toBe(`${fx.sim.baseUrl}/profileAndServices/profile/${created.PKey}`);
    expect(created.email).toBe('new.person@example.com');
    expect(parseAcsDate(String(created.created))).toBeDefined();
    const patched = await ootb().patch(created.PKey, { lastName: 'Person' });
    expect(patched).toEqual({ PKey: created.PKey, href: created.href });
    expect((await ootb().get(created.PKey))?.lastName).toBe('Person');
    await ootb().delete(created.PKey);
    expect(await ootb().get(created.PKey)).toBeUndefined();
    await expect(ootb().delete(created.PKey)).resolves.toBeUndefined();
  });

  it('lists every record by following next.href, 25 per page by default, with opaque _lineStart tokens', async () => {
    const first = await ootb().page();
    expect(first.content).toHaveLength(25);
    expect(first.nextHref).toMatch(/_lineStart=%40[A-Za-z0-9_-]+/);
    const all: string[] = [];
    for await (const record of ootb().list({ lineCount: 25 })) all.push(record.PKey);
    expect(all.length).toBeGreaterThanOrEqual(60);
    expect(new Set(all).size).toBe(all.length);
    const forged = first.nextHref?.replace(/_lineStart=[^&]+/, '_lineStart=%4025') ?? '';
    await expect(ootb().page({}, forged)).rejects.toMatchObject({ status: 400 });
  });

  it('leaves out next above the big-table threshold unless _forcePagination=true', async () => {
    const unforced = await ootb().page({ forcePagination: false });
    expect(unforced.nextHref).toBeUndefined();
    const forced = await ootb().page({});
    expect(forced.nextHref).toContain('_forcePagination=true');
    expect(await ootb().count()).toBeGreaterThanOrEqual(60);
  });

  it('sorts with _order, descending with " desc"', async () => {
    const asc = await ootb().page({ order: 'email', lineCount: 5 });
    const desc = await ootb().page({ order: 'email', descending: true, lineCount: 5 });
    expect(fx.sim.traffic.recent[fx.sim.traffic.recent.length - 1]).toContain('_order=email%20desc');
    const emails = asc.content.map((r) => String(r.email));
    expect(emails).toEqual([...emails].sort());
    expect(String(desc.content[0]?.email) > String(asc.content[0]?.email)).toBe(true);
  });

  it('filters byEmail (exact) and byText (prefix, case-sensitive)', async () => {
    const target = (await ootb().page({ lineCount: 1 })).content[0];
    const byEmail = await ootb().page({ filters: [{ name: 'byEmail', parameters: { email: String(target?.email) } }] });
    expect(byEmail.content.map((r) => r.PKey)).toEqual([target?.PKey]);
    const prefix = String(target?.lastName).slice(0, 3);
    const byText = await ootb().page({
      filters: [{ name: 'byText', parameters: { text: prefix, filterType: 'lastName' } }],
    });
    expect(byText.content.length).toBeGreaterThan(0);
    expect(byText.content.every((r) => String(r.lastName).startsWith(prefix))).toBe(true);
    const lower = await ootb().page({
      filters: [{ name: 'byText', parameters: { text: prefix.toLowerCase(), filterType: 'lastName' } }],
    });
    expect(lower.content).toHaveLength(0);
  });

  it('finds a profile by externalId with the byExternalId filter, and nothing for an unknown key', async () => {
    const target = (await ootb().page({ lineCount: 1 })).content[0];
    const found = await ext().findByKey({ externalId: String(target?.externalId) });
    expect(found?.PKey).toBe(target?.PKey);
    expect(await ext().findByKey({ externalId: 'no-such-id' })).toBeUndefined();
  });

  it('shows extension fields on profileAndServicesExt only, and refuses them on profileAndServices', async () => {
    const created = await ext().create({ externalId: 'ext-1', cusLoyaltyTier: 'gold' });
    expect(created.cusLoyaltyTier).toBe('gold');
    expect((await ootb().get(created.PKey))?.cusLoyaltyTier).toBeUndefined();
    const error = await ootb()
      .patch(created.PKey, { cusLoyaltyTier: 'silver' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CampaignApiError);
    expect((error as CampaignApiError).message).toMatch(
      /PATCH \/profileAndServices\/profile\/@.*HTTP 500 XTK-170006.*'cusLoyaltyTier' property is not valid/
    );
  });

  it('answers field validation errors in ACS style, without retrying refused writes', async () => {
    await expect(ootb().create({ email: 'not-an-email' })).rejects.toMatchObject({ status: 400, code: 'RST-360012' });
    await expect(ootb().create({ firstName: 'x'.repeat(31) })).rejects.toThrow(/too long/);
    await expect(ootb().create({ gender: 'robot' })).rejects.toThrow(/'robot' is not a valid constant/);
    const pkey = (await ootb().page({ lineCount: 1 })).content[0]?.PKey ?? '';
    const before = fx.sim.requests.PATCH ?? 0;
    await expect(ootb().patch(pkey, { age: 12 })).rejects.toThrow(
      /HTTP 500 XTK-170007.*Cannot update the 'age' property that is read-only/
    );
    expect((fx.sim.requests.PATCH ?? 0) - before).toBe(1);
    await expect(ootb().patch('not-a-pkey', { firstName: 'A' })).rejects.toThrow(
      /'not-a-pkey' is not a valid constant/
    );
  });

  it('keeps blackList* values with per-attribute *LastModified timestamps, and ccpaOptOut', async () => {
    const created = await ootb().create({ externalId: 'opt-1', email: 'opt@example.com' });
    expect(created.blackListEmail).toBe(false);
    expect(created.blackListEmailLastModified).toBe('');
    await ootb().patch(created.PKey, { blackListEmail: true, ccpaOptOut: true });
    const after = await ootb().get(created.PKey);
    expect(after?.blackListEmail).toBe(true);
    expect(after?.ccpaOptOut).toBe(true);
    expect(parseAcsDate(String(after?.blackListEmailLastModified))).toBeDefined();
    expect(parseAcsDate(String(after?.ccpaOptOutLastModified))).toBeDefined();
    expect(after?.blackListPhoneLastModified).toBe('');
    expect(after?.blackListAllLastModified).toBe(after?.blackListEmailLastModified);
  });

  it('serves custom resources linked to profile on Ext, with filters, custom-key URLs and links', async () => {
    const orders = fx.client.resource({
      api: 'profileAndServicesExt',
      name: 'cusOrder',
      key: {
        fields: ['crmId'],
        lookup: { type: 'filter', filter: 'byCrmId', parameters: { crmId: 'crmId_parameter' } },
      },
    });
    const profile = (await ootb().page({ lineCount: 1 })).content[0];
    const created = await orders.create({
      crmId: 'ORD-1',
      amount: 12.5,
      orderDate: new Date('2026-01-02T03:04:05Z'),
      profile: { PKey: profile?.PKey ?? '' },
    });
    expect(created.orderDate).toBe('2026-01-02 03:04:05.000Z');
    expect((created.profile as { href: string }).href).toMatch(new RegExp(`/profile/${String(profile?.PKey)}$`));
    expect((await orders.findByKey({ crmId: 'ORD-1' }))?.PKey).toBe(created.PKey);
    const byCustomKey = fx.client.resource({
      api: 'profileAndServicesExt',
      name: 'cusOrder',
      key: { fields: ['crmId'], lookup: { type: 'customKey' } },
    });
    expect((await byCustomKey.findByKey({ crmId: 'ORD-1' }))?.PKey).toBe(created.PKey);
    expect(await byCustomKey.findByKey({ crmId: 'ORD-404' })).toBeUndefined();
    await expect(orders.create({ crmId: 'ORD-2', profile: { PKey: '@nope' } })).rejects.toThrow(/link/);
    await expect(fx.client.resource({ api: 'customResources', name: 'cusOrder' }).page()).rejects.toMatchObject({
      status: 404,
    });
  });

  it('serves custom resources without a profile link on /customResources', async () => {
    const stores = fx.client.resource({
      api: 'customResources',
      name: 'cusStore',
      key: { fields: ['code'], lookup: { type: 'customKey' } },
    });
    const created = await stores.create({ code: 'S1', city: 'Paris' });
    expect((await stores.findByKey({ code: 'S1' }))?.PKey).toBe(created.PKey);
    await expect(fx.client.resource({ api: 'customResources', name: 'cusUnknown' }).page()).rejects.toMatchObject({
      status: 404,
    });
  });

  it('stops a listing whose next.href never moves on', async () => {
    const first = await ootb().page({ lineCount: 5 });
    const looping = fx.client.resource({ api: 'profileAndServices', name: 'profile' });
    jest.spyOn(looping, 'page').mockResolvedValue(first);
    const read = async (): Promise<number> => {
      let n = 0;
      for await (const _ of looping.list()) n += 1;
      return n;
    };
    await expect(read()).rejects.toThrow(/next.href repeats/);
  });

  it('fails with a clear error when a list answer is malformed', async () => {
    fx.sim.faults.add({ kind: 'nonJson', path: '/profileAndServices/profile', method: 'GET' });
    try {
      await expect(ootb().page()).rejects.toThrow(
        /GET \/profileAndServices\/profile failed: HTTP 200: answer is not JSON \(text\/html/
      );
    } finally {
      fx.sim.faults.clear();
    }
  });
});

describe('Campaign simulator metadata and URL forms', () => {
  let fx: CampaignFixture;
  beforeAll(async () => {
    fx = await startCampaignFixture({
      customResources: [{ name: 'cusEvent', fields: { code: { type: 'string' } }, profileLink: { field: 'profile' } }],
    });
  });
  afterAll(() => fx.close());

  async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: fx.sim.clientId,
      client_secret: fx.sim.clientSecret,
    });
    const token = (
      (await (await fetch(fx.sim.imsUrl, { method: 'POST', body: form })).json()) as { access_token: string }
    ).access_token;
    const response = await fetch(`${fx.sim.baseUrl}${path}`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Api-Key': fx.sim.apiKey },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('lists the resource types of profileAndServicesExt, custom resources included', async () => {
    const { status, body } = await get('/profileAndServicesExt/');
    expect(status).toBe(200);
    expect(body.apiName).toBe('resourceType');
    expect(body.cusEvent).toMatchObject({
      data: '/profileAndServicesExt/cusEvent/',
      name: 'cusEvent',
      type: 'collection',
    });
  });

  it('describes a resource with its fields, types and read-only flags', async () => {
    const { body } = await get('/profileAndServices/resourceType/profile');
    const content = body.content as Record<string, { type: string; readOnly: boolean }>;
    expect(content.email).toMatchObject({ type: 'string' });
    expect(content.age).toMatchObject({ readOnly: true });
    expect(content.blackListEmail).toMatchObject({ type: 'boolean' });
  });

  it('serves services and (empty) profile subscriptions', async () => {
    const services = fx.client.resource({ api: 'profileAndServices', name: 'service' });
    const created = await services.create({ name: 'newsletter', label: 'Newsletter', messageType: 'email' });
    expect(created).toMatchObject({ name: 'newsletter', messageType: 'email' });
    const profile = await fx.client
      .resource({ api: 'profileAndServices', name: 'profile' })
      .create({ email: 's@example.com' });
    const { status, body } = await get(`/profileAndServices/profile/${profile.PKey}/subscriptions/`);
    expect(status).toBe(200);
    expect(body.content).toEqual([]);
  });

  it('accepts the .json suffix', async () => {
    const { status, body } = await get('/profileAndServices/profile.json?_lineCount=1');
    expect(status).toBe(200);
    expect(Array.isArray(body.content)).toBe(true);
  });
});
