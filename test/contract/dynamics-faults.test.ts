import { ConcurrencyController, DynamicsApiError, DynamicsNetworkError } from '../../src/connectors/dynamics';
import { collect, type DynamicsFixture, startDynamicsFixture } from '../harness/dynamics-fixture';

function statuses(fx: DynamicsFixture, from: number): number[] {
  return fx.sim.requests
    .slice(from)
    .filter((r) => r.url.startsWith('/api/'))
    .map((r) => r.status);
}

describe('Dynamics client under throttling and faults', () => {
  let fx: DynamicsFixture;

  beforeAll(async () => {
    fx = await startDynamicsFixture({ seedContacts: 30 });
  });
  afterEach(() => {
    fx.sim.faults.reset();
  });
  afterAll(async () => {
    await fx.close();
  });

  it('rides out a 429 storm: waits Retry-After, loses no page', async () => {
    const client = fx.client();
    const mark = fx.sim.requests.length;
    const ids: unknown[] = [];
    let pages = 0;
    const started = Date.now();
    for await (const page of client.readPages('contacts', { pageSize: 10 })) {
      ids.push(...page.rows.map((r) => r.contactid));
      if (++pages === 1) fx.sim.faults.throttleNext(2, 1);
    }
    expect(new Set(ids).size).toBe(30);
    expect(statuses(fx, mark).filter((s) => s === 429)).toHaveLength(2);
    // Two answers each said "wait 1 s": the client cannot have finished sooner.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    // What the worker's metrics read: the 429 answers and the wait they asked for.
    expect(client.concurrency).toEqual(expect.objectContaining({ throttles: 2, inFlight: 0, inPenalty: false }));
    expect(client.concurrency.penaltySeconds).toBeGreaterThanOrEqual(1.9);
  });

  it('fails with the 429 and its code once the throttle budget is used up', async () => {
    const client = fx.client({ limits: { maxThrottleWaitMs: 1500 } });
    fx.sim.faults.throttleNext(5, 1);
    const err = await client.count('contacts').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamicsApiError);
    expect(err).toMatchObject({ status: 429, code: '0x80072322' });
  });

  it('retries 5xx with backoff within the budget, then fails naming the status', async () => {
    const client = fx.client({ limits: { maxTransientRetries: 3 } });
    fx.sim.faults.failNext(2, 503);
    expect(await client.count('contacts')).toBe(30);
    fx.sim.faults.failNext(4, 500);
    const err = await client.count('contacts').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500, code: '0x80040216' });
    expect(String(err)).toContain('GET /api/data/v9.2/contacts/$count failed: HTTP 500 0x80040216');
  });

  it('retries reads after connection resets', async () => {
    const client = fx.client();
    fx.sim.faults.resetNext(2);
    const pages = await collect(client.readPages('contacts', { pageSize: 15 }));
    expect(pages.flatMap((p) => p.rows)).toHaveLength(30);
  });

  it('completes a read under random 5xx answers and dropped connections', async () => {
    const client = fx.client({ limits: { maxTransientRetries: 10 } });
    fx.sim.faults.errorRate = 0.3;
    fx.sim.faults.resetRate = 0.2;
    const mark = fx.sim.requests.length;
    const ids = (await collect(client.readPages('contacts', { pageSize: 3 }))).flatMap((p) =>
      p.rows.map((r) => r.contactid)
    );
    expect(new Set(ids).size).toBe(30);
    const seen = statuses(fx, mark);
    expect(seen).toContain(503);
    expect(seen).toContain(0);
  });

  it('does not resend a create without its id after a reset', async () => {
    const client = fx.client();
    const before = await client.count('contacts');
    fx.sim.faults.resetNext(1);
    const err = await client.create('contacts', { lastname: 'Once' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamicsNetworkError);
    expect(String(err)).toMatch(/POST \/api\/data\/v9.2\/contacts failed: network error/);
    expect(await client.count('contacts')).toBe(before);
  });

  it('keeps in-flight requests under the limit, so the concurrency limit is never hit', async () => {
    const client = fx.client({ controller: new ConcurrencyController({ cap: 3 }) });
    fx.sim.faults.latencyMs = 40;
    const mark = fx.sim.requests.length;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, client.inFlight);
    }, 5);
    try {
      await Promise.all(Array.from({ length: 12 }, () => client.count('contacts')));
    } finally {
      clearInterval(sampler);
    }
    // Requests did overlap, but never more than the limit.
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(peak).toBeLessThanOrEqual(3);
    expect(statuses(fx, mark).every((s) => s === 200)).toBe(true);
  });
});

describe('Simulator service protection limits', () => {
  let fx: DynamicsFixture;

  beforeAll(async () => {
    fx = await startDynamicsFixture({ seedContacts: 8, limits: { requests: 3, windowSeconds: 1, concurrent: 2 } });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('answers 429 with Retry-After past the request limit, and the client completes the read', async () => {
    const client = fx.client();
    const mark = fx.sim.requests.length;
    const rows = (await collect(client.readPages('contacts', { pageSize: 1 }))).flatMap((p) => p.rows);
    expect(rows).toHaveLength(8);
    expect(statuses(fx, mark)).toContain(429);
  });

  it('refuses concurrency beyond the limit at once with 0x80072326', async () => {
    fx.sim.faults.latencyMs = 200;
    try {
      // A controller that lets out more than the simulator's limit (2) from the start.
      const controller = new ConcurrencyController({ cap: 6, initial: 6 });
      const client = fx.client({ limits: { maxThrottleWaitMs: 0 }, controller });
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => client.count('contacts')));
      const refused = results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => r.reason as DynamicsApiError);
      expect(refused.some((e) => e.status === 429 && ['0x80072326', '0x80072322'].includes(e.code))).toBe(true);
    } finally {
      fx.sim.faults.latencyMs = 0;
    }
  });
});
