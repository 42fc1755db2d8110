import { ConcurrencyController, type DynamicsClient } from '../../src/connectors/dynamics';
import { type DynamicsFixture, startDynamicsFixture } from '../harness/dynamics-fixture';
import { peakInFlight, sentDuringPenalty } from '../harness/penalty';

/**
 * The D365 concurrency controller against the simulator with its cost model on and service protection scaled down
 * (a 2 s window): it sends nothing while a `Retry-After` penalty holds (one client, and several clients with
 * controllers of their own sharing one application user, as worker processes do), finishes the work after it, and
 * never has more than 52 requests in flight.
 */

/** PATCHes every contact in `$batch` requests of 5, all at once: the controller decides the pace. */
async function patchAll(client: DynamicsClient, ids: string[], round: number): Promise<void> {
  // One request first, so every batch after it carries the one token the client then holds (the simulator tells
  // clients apart by their token).
  await client.count('contacts');
  const batches = Array.from({ length: Math.ceil(ids.length / 5) }, (_, i) => ids.slice(i * 5, i * 5 + 5));
  await Promise.all(
    batches.map(async (batch) => {
      const results = await client.executeBatch(
        batch.map((id) => ({ method: 'PATCH', path: `contacts(${id})`, body: { description: `round ${round}` } }))
      );
      expect(results.map((r) => r.outcome)).toEqual(batch.map(() => 'succeeded'));
    })
  );
}

function contactIds(fx: DynamicsFixture): string[] {
  return [...(fx.sim.db.table('contacts')?.scan() ?? [])].map((row) => row.id);
}

describe('D365 concurrency controller under service protection (simulator with cost)', () => {
  let fx: DynamicsFixture;

  // A simulator per test: each starts with a fresh window and no penalty.
  beforeEach(async () => {
    fx = await startDynamicsFixture({
      seedContacts: 400,
      cost: { latencyMs: 5, requestMs: 2, writeMs: 1, dopHint: 8 },
      limits: { requests: 30, windowSeconds: 2 },
    });
  });
  afterEach(async () => {
    await fx?.close();
  });

  it('one client: never sends while a penalty holds, and every write lands after it', async () => {
    const client = fx.client();
    const mark = fx.sim.requests.length;
    await patchAll(client, contactIds(fx), 1);
    const records = fx.sim.requests.slice(mark);
    const throttled = records.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(sentDuringPenalty(records)).toEqual([]);
    // Recovered: the last answers are successes, and the controller counted the penalty.
    expect(records.at(-1)?.status).toBe(200);
    expect(client.concurrency).toMatchObject({ inPenalty: false, inFlight: 0 });
    expect(client.concurrency.throttles).toBeGreaterThanOrEqual(1);
    expect(client.concurrency.penaltySeconds).toBeGreaterThan(0);
    const rows = [...(fx.sim.db.table('contacts')?.scan() ?? [])];
    expect(rows.every((row) => row.values.description === 'round 1')).toBe(true);
  }, 120_000);

  it('three clients with controllers of their own (three workers, one application user) each hold while told to', async () => {
    // Every request a worker sends before it knows of a penalty extends it: a request may wait long (the product
    // allows 15 minutes; the fixture's 30 s would end this run with a 429).
    const workers = [1, 2, 3].map(() =>
      fx.client({ controller: new ConcurrencyController({ cap: 16 }), limits: { maxThrottleWaitMs: 120_000 } })
    );
    const ids = contactIds(fx).slice(0, 150);
    const mark = fx.sim.requests.length;
    await Promise.all(
      workers.map((client, w) =>
        patchAll(
          client,
          ids.filter((_, i) => i % 3 === w),
          2
        )
      )
    );
    const records = fx.sim.requests.slice(mark);
    expect(new Set(records.filter((r) => r.url.includes('/api/data/')).map((r) => r.tokenSerial)).size).toBe(3);
    expect(records.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(sentDuringPenalty(records)).toEqual([]);
    for (const client of workers) expect(client.concurrency).toMatchObject({ inPenalty: false, inFlight: 0 });
    const rows = [...(fx.sim.db.table('contacts')?.scan() ?? [])].filter((row) => ids.includes(row.id));
    expect(rows.map((row) => row.values.description)).toEqual(ids.map(() => 'round 2'));
  }, 150_000);
});

describe('D365 concurrency controller at the concurrency limit', () => {
  let fx: DynamicsFixture;

  beforeAll(async () => {
    // Only the concurrency limit can refuse here, and the service recommends more than Dataverse allows.
    fx = await startDynamicsFixture({
      seedContacts: 1,
      cost: { latencyMs: 2, requestMs: 40, dopHint: 64 },
      limits: { requests: 1_000_000, executionTimeMs: 1_000_000_000, concurrent: 52 },
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('never has more than 52 requests in flight, even configured for more and told to use more', async () => {
    const client = fx.client({ limits: { maxConcurrentRequests: 100 } });
    const mark = fx.sim.requests.length;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, client.inFlight)), 2);
    try {
      await Promise.all(Array.from({ length: 400 }, () => client.count('contacts')));
    } finally {
      clearInterval(sampler);
    }
    const statuses = fx.sim.requests
      .slice(mark)
      .filter((r) => r.url.includes('/api/data/'))
      .map((r) => r.status);
    expect(statuses).toHaveLength(400);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(peak).toBeGreaterThan(40);
    expect(peak).toBeLessThanOrEqual(52);
    expect(client.concurrency.cap).toBe(52);
    expect(peakInFlight(fx.sim.requests.slice(mark))).toBeLessThanOrEqual(52);
  }, 60_000);
});
