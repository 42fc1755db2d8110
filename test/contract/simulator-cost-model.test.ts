import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DynamicsCost,
  PRODUCTION_LIKE_DYNAMICS_COST,
  startDynamicsSimulator,
  writeCeilingPerSecond,
  type DynamicsSimulator,
  type DynamicsSimulatorOptions,
} from '../../src/sandbox/dynamics';
import { startCampaignFixture } from '../harness/campaign-fixture';

/**
 * The simulators' cost model over HTTP, as any client sees it: the three service protection limits of Dataverse with
 * their codes and Retry-After, server time charged per row read and per operation written (a `$batch` charges each
 * operation), `x-ms-dop-hint`, and Campaign's gateway throttle and paced imports.
 */
describe('simulator cost model', () => {
  const sims: DynamicsSimulator[] = [];
  afterAll(async () => {
    await Promise.all(sims.map((sim) => sim.close()));
  });

  async function dynamics(
    options: DynamicsSimulatorOptions
  ): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
    const sim = await startDynamicsSimulator(options);
    sims.push(sim);
    const form = { grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret };
    const tokenAnswer = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, scope: `${sim.url}/.default` }).toString(),
    });
    const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
    return (path, init = {}) =>
      fetch(`${sim.apiUrl}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers },
      });
  }

  async function errorOf(response: Response): Promise<{ status: number; retryAfter: number; code: string }> {
    const body = (await response.json()) as { error: { code: string } };
    return { status: response.status, retryAfter: Number(response.headers.get('retry-after')), code: body.error.code };
  }

  const timeRemaining = (response: Response): number =>
    Number(response.headers.get('x-ms-ratelimit-time-remaining-xrm-requests'));

  it('sends x-ms-dop-hint on every Web API answer, the default and a configured one', async () => {
    const plain = await dynamics({});
    expect((await plain('WhoAmI')).headers.get('x-ms-dop-hint')).toBe('4');
    const hinted = await dynamics({ cost: { dopHint: 12 } });
    expect((await hinted('contacts?$select=contactid')).headers.get('x-ms-dop-hint')).toBe('12');
  });

  it('charges server time per row read and per operation written, each operation of a $batch apart', async () => {
    const api = await dynamics({ seedContacts: 40, cost: { rowReadMs: 5, writeMs: 30 } });
    const before = timeRemaining(await api('WhoAmI'));
    const read = await api('contacts?$select=contactid');
    expect(read.status).toBe(200);
    const afterRead = timeRemaining(await api('WhoAmI'));
    // 40 rows × 5 ms, charged when the read ended (the WhoAmI calls cost ~0).
    expect(before - afterRead).toBeGreaterThanOrEqual(200);

    const boundary = 'batch_cost';
    const parts = [1, 2, 3, 4].map((n) =>
      [
        `--${boundary}`,
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        '',
        `POST ${new URL(sims.at(-1)!.apiUrl).pathname}contacts HTTP/1.1`,
        'Content-Type: application/json',
        '',
        JSON.stringify({ lastname: `Cost ${n}` }),
      ].join('\r\n')
    );
    const batch = await api('$batch', {
      method: 'POST',
      headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` },
      body: [...parts, `--${boundary}--`, ''].join('\r\n'),
    });
    expect(batch.status).toBe(200);
    const afterBatch = timeRemaining(await api('WhoAmI'));
    expect(afterRead - afterBatch).toBeGreaterThanOrEqual(4 * 30);
  });

  it('answers 429 0x80072322 past the request count, and extends the penalty while hammered', async () => {
    const api = await dynamics({ limits: { requests: 3, windowSeconds: 20 } });
    for (let i = 0; i < 3; i++) expect((await api('WhoAmI')).status).toBe(200);
    const first = await errorOf(await api('WhoAmI'));
    expect(first).toMatchObject({ status: 429, code: '0x80072322' });
    expect(first.retryAfter).toBeGreaterThanOrEqual(1);
    const hammered = await errorOf(await api('WhoAmI'));
    expect(hammered.code).toBe('0x80072322');
    expect(hammered.retryAfter).toBeGreaterThanOrEqual(first.retryAfter);
  });

  it('answers 429 0x80072321 once the combined execution time is spent', async () => {
    const api = await dynamics({ limits: { executionTimeMs: 100, windowSeconds: 20 }, cost: { writeMs: 150 } });
    const created = await api('contacts', { method: 'POST', body: JSON.stringify({ lastname: 'A' }) });
    expect(created.status).toBe(204);
    const refused = await errorOf(await api('WhoAmI'));
    expect(refused).toMatchObject({ status: 429, code: '0x80072321' });
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
  });

  it('answers 429 0x80072326 at once past the concurrent requests, held by server time', async () => {
    const api = await dynamics({ limits: { concurrent: 2 }, cost: { writeMs: 1_500 } });
    const answers = await Promise.all(
      [1, 2, 3].map((n) => api('contacts', { method: 'POST', body: JSON.stringify({ lastname: `C${n}` }) }))
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([204, 204, 429]);
    const refused = await errorOf(answers.find((a) => a.status === 429)!);
    expect(refused).toMatchObject({ status: 429, code: '0x80072326', retryAfter: 1 });
  });

  it('computes the write ceiling each limit implies for a workload', () => {
    const cost = new DynamicsCost(PRODUCTION_LIKE_DYNAMICS_COST);
    const limits = { requests: 6000, executionTimeMs: 1_200_000, concurrent: 52, windowSeconds: 300 };
    // $batch of 200: execution time decides: 4,000 server ms per second ÷ (10 + 200 × 50) ms × 200 operations.
    expect(writeCeilingPerSecond(cost, limits, { operationsPerRequest: 200 })).toBeCloseTo((4000 * 200) / 10_010, 6);
    // Single requests: the request count decides (6,000 per 300 s), under execution time's 4,000 ÷ 60 ms.
    expect(writeCeilingPerSecond(cost, limits, { operationsPerRequest: 1 })).toBeCloseTo(20, 6);
    // Without that limit, execution time decides; with two in flight at most, concurrency does (2 ÷ 85 ms).
    const unlimited = { ...limits, requests: 1e9 };
    expect(writeCeilingPerSecond(cost, unlimited, { operationsPerRequest: 1 })).toBeCloseTo(4000 / 60, 6);
    expect(writeCeilingPerSecond(cost, { ...unlimited, concurrent: 2 }, { operationsPerRequest: 1 })).toBeCloseTo(
      2 / 0.085,
      6
    );
  });

  it('Campaign: a gateway throttle answers 429 with Retry-After, and the client waits it out', async () => {
    const fx = await startCampaignFixture({ cost: { gateway: { requests: 2, windowSeconds: 1 } } });
    try {
      fx.sim.seedProfiles(3);
      const token = await fetch(fx.sim.imsUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: fx.sim.clientId,
          client_secret: fx.sim.clientSecret,
          scope: 'campaign_sdk',
        }).toString(),
      });
      expect(token.status).toBe(200);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 3; i++) {
        const answer = await fetch(`${fx.sim.baseUrl}/profileAndServices/profile`);
        statuses.push(answer.status);
        if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
      }
      expect(statuses[2]).toBe(429);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      // A client that waits as long as Retry-After asks (the fixture's default client caps waits at 20 ms).
      const patient = fx.newClient({ retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 3_000 } });
      const profiles = patient.resource({ api: 'profileAndServices', name: 'profile' });
      for (let i = 0; i < 3; i++) expect((await profiles.page()).content.length).toBeGreaterThan(0);
    } finally {
      await fx.close();
    }
  });

  it('Campaign: an import takes at least its records × importMsPerRecord', async () => {
    const fx = await startCampaignFixture({ signalCooldownMs: 0, cost: { importMsPerRecord: 2 } });
    try {
      const importDir = join(fx.sftpRoot, 'd365_loads/imports');
      await mkdir(importDir, { recursive: true });
      const lines = ['externalId,email'];
      for (let i = 0; i < 1500; i++) lines.push(`paced-${i},paced${i}@example.com`);
      await writeFile(join(importDir, 'profile_paced.csv'), lines.join('\n') + '\n');
      const workflows = fx.client.workflows;
      const wait = { timeoutMs: 30_000, pollIntervalMs: 25 };
      await workflows.start('WKF_IMPORT_PROFILE');
      await workflows.waitForState('WKF_IMPORT_PROFILE', (s) => s === 'started', wait);
      const startedAt = Date.now();
      await workflows.triggerSignal('WKF_IMPORT_PROFILE', 'signal1', 'acs-d365', { fileNames: 'profile_paced.csv' });
      const done = await workflows.waitForFinish('WKF_IMPORT_PROFILE', wait);
      expect(done.state).toBe('finished');
      // 1,500 records at 2 ms: the pacing waits at every 500th record, so at least 1,000 records' time has passed.
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_000);
    } finally {
      await fx.close();
    }
  });
});
