import { CampaignApiError } from '../../src/connectors/campaign';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';

describe('Campaign client ↔ simulator: injected faults, retries and concurrency', () => {
  let fx: CampaignFixture;
  beforeAll(async () => {
    fx = await startCampaignFixture();
    fx.sim.seedProfiles(10);
  });
  afterAll(() => fx.close());
  afterEach(() => fx.sim.faults.clear());

  const profiles = () => fx.client.resource({ api: 'profileAndServices', name: 'profile' });

  it('retries 5xx answers with backoff and succeeds', async () => {
    fx.sim.faults.add({ kind: 'status', status: 503, times: 2, path: '/profileAndServices/profile' });
    const page = await profiles().page();
    expect(page.content.length).toBeGreaterThan(0);
    expect(fx.sim.faults.injected.status).toBeGreaterThanOrEqual(2);
  });

  it('retries dropped connections and succeeds', async () => {
    const before = fx.sim.faults.injected.drop;
    fx.sim.faults.add({ kind: 'drop', times: 2, path: '/profileAndServices/profile' });
    const page = await profiles().page();
    expect(page.content.length).toBeGreaterThan(0);
    expect(fx.sim.faults.injected.drop - before).toBe(2);
  });

  it('gives up after the last attempt with an error naming the call, the status and the answer', async () => {
    fx.sim.faults.add({ kind: 'status', status: 502, path: '/profileAndServices/profile' });
    const error = await profiles()
      .page()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CampaignApiError);
    expect((error as CampaignApiError).message).toBe(
      'ACS GET /profileAndServices/profile failed: HTTP 502: Service Unavailable'
    );
    expect((error as CampaignApiError).retryable).toBe(true);
  });

  it('reports a dropped connection that never recovers as a network fault', async () => {
    fx.sim.faults.add({ kind: 'drop', path: '/profileAndServices/profile' });
    await expect(profiles().page()).rejects.toThrow(/GET \/profileAndServices\/profile failed: network fault/);
  });

  it('times out slow answers and retries them', async () => {
    fx.sim.faults.add({ kind: 'latency', latencyMs: 1500, times: 1, path: '/profileAndServices/profile' });
    const client = fx.newClient({ timeoutMs: 400 });
    const page = await client.resource({ api: 'profileAndServices', name: 'profile' }).page();
    expect(page.content.length).toBeGreaterThan(0);
    expect(fx.sim.faults.injected.latency).toBeGreaterThanOrEqual(1);
  });

  it('keeps at most maxConcurrency calls in flight', async () => {
    fx.sim.faults.add({ kind: 'latency', latencyMs: 30, path: '/profileAndServices/profile' });
    const client = fx.newClient({ maxConcurrency: 2 });
    await client.resource({ api: 'profileAndServices', name: 'profile' }).page();
    fx.sim.traffic.maxInFlight = 0;
    const resource = client.resource({ api: 'profileAndServices', name: 'profile' });
    await Promise.all(Array.from({ length: 8 }, () => resource.page({ lineCount: 1 })));
    expect(fx.sim.traffic.maxInFlight).toBeLessThanOrEqual(2);
    expect(fx.sim.traffic.maxInFlight).toBeGreaterThanOrEqual(1);
  });

  it('reads Retry-After of an opt-in 429 and retries', async () => {
    fx.sim.faults.add({
      kind: 'status',
      status: 429,
      retryAfterSeconds: 2,
      times: 1,
      path: '/profileAndServices/profile',
    });
    const once = fx.newClient({ retry: { maxAttempts: 1 } });
    const error = await once
      .resource({ api: 'profileAndServices', name: 'profile' })
      .page()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2000 });
    fx.sim.faults.add({
      kind: 'status',
      status: 429,
      retryAfterSeconds: 0,
      times: 1,
      path: '/profileAndServices/profile',
    });
    expect((await profiles().page()).content.length).toBeGreaterThan(0);
  });

  it('leaves exactly one record when a create succeeded but its answer was lost', async () => {
    const ext = fx.client.resource({
      api: 'profileAndServicesExt',
      name: 'profile',
      key: {
        fields: ['externalId'],
        lookup: { type: 'filter', filter: 'byExternalId', parameters: { externalId: 'externalId_parameter' } },
      },
    });
    fx.sim.faults.add({
      kind: 'drop',
      afterProcessing: true,
      times: 1,
      method: 'POST',
      path: '/profileAndServicesExt/profile',
    });
    fx.sim.resetEngineCalls();
    const result = await ext.upsertByKey({ externalId: 'lost-answer', firstName: 'Once' });
    expect(result.action).toBe('unchanged');
    const matches = await ext.page({
      filters: [{ name: 'byExternalId', parameters: { externalId_parameter: 'lost-answer' } }],
    });
    expect(matches.content).toHaveLength(1);
    expect(fx.sim.engineCalls()).toMatchObject({ inserts: 1, updates: 0 });
  });

  it('repeats a PATCH whose answer was lost (PATCH is idempotent)', async () => {
    const target = (await profiles().page({ lineCount: 1 })).content[0];
    fx.sim.faults.add({ kind: 'status', status: 502, afterProcessing: true, times: 1, method: 'PATCH' });
    await expect(profiles().patch(target?.PKey ?? '', { firstName: 'Patched' })).resolves.toMatchObject({
      PKey: target?.PKey,
    });
    expect((await profiles().get(target?.PKey ?? ''))?.firstName).toBe('Patched');
  });

  it('applies probabilistic faults from a seed', async () => {
    fx.sim.faults.add({ kind: 'status', status: 500, probability: 0.3, path: '/profileAndServices/profile' });
    const client = fx.newClient({ retry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5 } });
    const resource = client.resource({ api: 'profileAndServices', name: 'profile' });
    const pages = await Promise.all(Array.from({ length: 10 }, () => resource.page({ lineCount: 1 })));
    expect(pages.every((page) => page.content.length === 1)).toBe(true);
  });
});
