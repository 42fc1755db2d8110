import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { type CampaignFixture, startCampaignFixture } from '../harness/campaign-fixture';

/** A call the client sent before it read the 429 may reach the gateway just after the answer left. */
const GRACE_MS = 50;

/**
 * Campaign API writes behind a gateway throttle (12 calls per second): the client's concurrency controller holds every
 * call while a 429's `Retry-After` runs, and every write lands.
 */
describe('Campaign concurrency controller under a gateway throttle', () => {
  let fx: CampaignFixture;

  beforeAll(async () => {
    fx = await startCampaignFixture({ cost: { latencyMs: 5, gateway: { requests: 12, windowSeconds: 1 } } });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('sends nothing during a penalty, recovers, and writes every profile', async () => {
    const externalIds = fx.sim.seedProfiles(40, 17);
    const client = fx.newClient({ maxConcurrency: 8, retry: { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 50 } });
    const profiles = client.resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    const mark = fx.sim.traffic.gateway.length;

    const results = await Promise.all(
      externalIds.map((externalId, i) => profiles.upsertByKey({ externalId, lastName: `Throttled ${i}` }))
    );

    expect(results.map((r) => r.action)).toEqual(externalIds.map(() => 'updated'));
    const calls = fx.sim.traffic.gateway.slice(mark);
    const refusals = calls.filter((call) => call.retryAfterSeconds !== undefined);
    expect(refusals.length).toBeGreaterThan(0);
    const duringPenalty = calls.filter((call) =>
      refusals.some(
        (r) =>
          call.arrivedAt > r.arrivedAt + GRACE_MS && call.arrivedAt < r.arrivedAt + (r.retryAfterSeconds ?? 0) * 1000
      )
    );
    expect(duringPenalty).toEqual([]);
    expect(calls.at(-1)?.retryAfterSeconds).toBeUndefined();
    for (const [i, externalId] of externalIds.entries()) {
      expect((await profiles.findByKey({ externalId }))?.lastName).toBe(`Throttled ${i}`);
    }
  }, 60_000);
});
