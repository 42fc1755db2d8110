import { CampaignDuplicateKeyError, PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';

describe('Campaign client ↔ simulator: upsert by key and engine calls', () => {
  let fx: CampaignFixture;
  beforeAll(async () => {
    fx = await startCampaignFixture({
      customResources: [
        {
          name: 'cusContract',
          fields: { category: { type: 'string' }, crmId: { type: 'string' }, amount: { type: 'integer' } },
          identificationKey: ['category', 'crmId'],
          filters: { byidentification_key: { category_parameter: 'category', crm_id_parameter: 'crmId' } },
        },
      ],
    });
  });
  afterAll(() => fx.close());
  beforeEach(() => fx.sim.resetEngineCalls());

  const profiles = () =>
    fx.client.resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });

  it('creates when the key is new (1 engine call), then costs no write when nothing changed', async () => {
    const first = await profiles().upsertByKey({
      externalId: 'u-1',
      email: 'u1@example.com',
      firstName: 'Una',
      birthDate: '1990-05-01',
    });
    expect(first.action).toBe('created');
    const patchesBefore = fx.sim.requests.PATCH ?? 0;
    const second = await profiles().upsertByKey({
      externalId: 'u-1',
      email: 'u1@example.com',
      firstName: 'Una',
      birthDate: '1990-05-01',
    });
    expect(second).toEqual({ action: 'unchanged', PKey: first.PKey, changedFields: [] });
    expect(fx.sim.requests.PATCH ?? 0).toBe(patchesBefore);
    expect(fx.sim.engineCalls()).toMatchObject({ inserts: 1, updates: 0, engineCalls: 1 });
  });

  it('patches only the fields that changed (2 engine calls), treating "" and null as the same', async () => {
    await profiles().upsertByKey({
      externalId: 'u-2',
      email: 'u2@example.com',
      firstName: 'Two',
      blackListEmail: false,
    });
    fx.sim.resetEngineCalls();
    const result = await profiles().upsertByKey({
      externalId: 'u-2',
      email: 'u2@example.com',
      firstName: 'Deux',
      lastName: null,
      blackListEmail: true,
    });
    expect(result.action).toBe('updated');
    expect(result.changedFields.sort()).toEqual(['blackListEmail', 'firstName']);
    expect(fx.sim.engineCalls()).toMatchObject({ inserts: 0, updates: 1, engineCalls: 2 });
  });

  it('compares dates as moments, whatever their text form', async () => {
    const first = await profiles().upsertByKey({ externalId: 'u-3', birthDate: new Date('1980-01-02T00:00:00Z') });
    const again = await profiles().upsertByKey({ externalId: 'u-3', birthDate: '1980-01-02' });
    expect(again).toEqual({ action: 'unchanged', PKey: first.PKey, changedFields: [] });
  });

  it('upserts custom resources by a composite identification key through a filter', async () => {
    const contracts = fx.client.resource({
      api: 'customResources',
      name: 'cusContract',
      key: {
        fields: ['category', 'crmId'],
        lookup: {
          type: 'filter',
          filter: 'byidentification_key',
          parameters: { category: 'category_parameter', crmId: 'crm_id_parameter' },
        },
      },
    });
    const a = await contracts.upsertByKey({ category: 'spring', crmId: '123456', amount: 1 });
    const b = await contracts.upsertByKey({ category: 'autumn', crmId: '123456', amount: 1 });
    expect(b.PKey).not.toBe(a.PKey);
    const c = await contracts.upsertByKey({ category: 'spring', crmId: '123456', amount: 2 });
    expect(c).toEqual({ action: 'updated', PKey: a.PKey, changedFields: ['amount'] });
  });

  it('refuses to upsert when the key matches several records', async () => {
    const ootb = fx.client.resource({ api: 'profileAndServices', name: 'profile' });
    await ootb.create({ externalId: 'dup-1' });
    await ootb.create({ externalId: 'dup-1' });
    await expect(profiles().upsertByKey({ externalId: 'dup-1', firstName: 'X' })).rejects.toBeInstanceOf(
      CampaignDuplicateKeyError
    );
  });

  it('repeats a create that failed with a 5xx only after looking the key up again, leaving one record', async () => {
    fx.sim.faults.add({
      kind: 'status',
      status: 503,
      method: 'POST',
      path: '/profileAndServicesExt/profile',
      times: 1,
    });
    const result = await profiles().upsertByKey({ externalId: 'u-5xx', firstName: 'Retry' });
    expect(result.action).toBe('created');
    const matches = await fx.client
      .resource({ api: 'profileAndServicesExt', name: 'profile' })
      .page({ filters: [{ name: 'byExternalId', parameters: { externalId_parameter: 'u-5xx' } }] });
    expect(matches.content).toHaveLength(1);
  });

  it('counts deletes as one engine call', async () => {
    const created = await profiles().upsertByKey({ externalId: 'u-del' });
    fx.sim.resetEngineCalls();
    await profiles().delete(created.PKey);
    expect(fx.sim.engineCalls()).toMatchObject({ deletes: 1, engineCalls: 1 });
  });

  it('needs a key definition and non-empty key values', async () => {
    const noKey = fx.client.resource({ api: 'profileAndServicesExt', name: 'profile' });
    await expect(noKey.upsertByKey({ externalId: 'x' })).rejects.toThrow(/no identification key/);
    await expect(profiles().upsertByKey({ firstName: 'NoKey' })).rejects.toThrow(/externalId/);
  });
});
