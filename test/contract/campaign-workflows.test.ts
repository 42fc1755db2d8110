import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CampaignApiError,
  CampaignSignalCooldownError,
  CampaignWorkflowTimeoutError,
  PROFILE_EXTERNAL_ID_KEY,
} from '../../src/connectors/campaign';
import { defaultImportWorkflow } from '../../src/sandbox/campaign';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';

describe('Campaign client ↔ simulator: workflows, signals and the import workflow', () => {
  let fx: CampaignFixture;
  let importDir: string;
  beforeAll(async () => {
    fx = await startCampaignFixture({
      signalCooldownMs: 0,
      workflows: [
        defaultImportWorkflow(),
        {
          id: 'WKF_GENERIC',
          signals: { signal1: { label: 'string', count: 'number', at: 'datetime' } },
          initialState: 'edition',
        },
      ],
    });
    importDir = join(fx.sftpRoot, 'd365_loads/imports');
    await mkdir(importDir, { recursive: true });
  });
  afterAll(() => fx.close());

  const workflows = () => fx.client.workflows;
  const wait = { timeoutMs: 10_000, pollIntervalMs: 20 };

  it('reads the state and applies start/pause/resume/stop asynchronously', async () => {
    expect((await workflows().get('WKF_GENERIC')).state).toBe('edition');
    await workflows().start('WKF_GENERIC');
    await workflows().waitForState('WKF_GENERIC', (s) => s === 'started', wait);
    await workflows().pause('WKF_GENERIC');
    await workflows().waitForState('WKF_GENERIC', (s) => s === 'paused', wait);
    await workflows().resume('WKF_GENERIC');
    await workflows().waitForState('WKF_GENERIC', (s) => s === 'started', wait);
    await workflows().stop('WKF_GENERIC');
    expect((await workflows().waitForFinish('WKF_GENERIC', wait)).state).toBe('stopped');
  });

  it('rejects unknown workflows and commands', async () => {
    await expect(workflows().get('WKF_NOPE')).rejects.toMatchObject({ status: 404 });
    const response = await fetch(`${fx.sim.baseUrl}/workflow/execution/WKF_GENERIC/commands`, {
      method: 'POST',
      headers: {
        'X-Api-Key': fx.sim.apiKey,
        Authorization: `Bearer ${await token()}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ method: 'explode' }),
    });
    expect(response.status).toBe(400);
  });

  it('triggers a signal with typed parameters through the trigger href, and refuses undeclared ones', async () => {
    await workflows().start('WKF_GENERIC');
    await workflows().waitForState('WKF_GENERIC', (s) => s === 'started', wait);
    const info = await workflows().get('WKF_GENERIC');
    const activity = (info.raw.activities as { activity: Record<string, { trigger: { href: string } }> }).activity
      .signal1;
    expect(activity?.trigger.href).toMatch(/\/workflow\/execution\/@[^/]+\/activities\/activity\/@[^/]+\/trigger\/$/);
    await expect(workflows().triggerSignal('WKF_GENERIC', 'signal1', 'test', { contentURL: 'x' })).rejects.toThrow(
      /RST-360011.*'contentURL' parameter isn't defined in signal activity/
    );
    await expect(workflows().triggerSignal('WKF_GENERIC', 'signal1', 'test', { count: 'three' })).rejects.toThrow(
      /type number/
    );
    await expect(workflows().triggerSignal('WKF_GENERIC', 'nosuch', 'test')).rejects.toThrow(
      /no signal activity 'nosuch'/
    );
    await workflows().triggerSignal('WKF_GENERIC', 'signal1', 'test', { label: 'a', count: 3, at: new Date() });
    const done = await workflows().waitForFinish('WKF_GENERIC', wait);
    expect(done.state).toBe('finished');
    expect((done.raw.lastExecution as { parameters: Record<string, unknown> }).parameters.count).toBe(3);
  });

  it('refuses a signal when the workflow is not running', async () => {
    await expect(workflows().triggerSignal('WKF_GENERIC', 'signal1', 'test')).rejects.toMatchObject({
      status: 400,
      code: 'RST-360020',
    });
  });

  it('times out waiting for a workflow that does not finish', async () => {
    await workflows().start('WKF_GENERIC');
    await workflows().waitForState('WKF_GENERIC', (s) => s === 'started', wait);
    await expect(
      workflows().waitForFinish('WKF_GENERIC', { timeoutMs: 150, pollIntervalMs: 20 })
    ).rejects.toBeInstanceOf(CampaignWorkflowTimeoutError);
  });

  it('imports CSV and gzip CSV files by key, writes a rejects file, and finishes', async () => {
    await writeFile(
      join(importDir, 'profile_20260101120000_000001.csv'),
      'externalId,email,firstName,lastName,birthDate,blackListEmail\n' +
        'imp-1,imp1@example.com,Ann,"Smith, Jr.",1990-01-02,false\n' +
        'imp-2,not-an-email,Bob,Brown,,false\n' +
        'imp-3,imp3@example.com,"Cé ""Quoted""",Lee,,true\n'
    );
    await writeFile(
      join(importDir, 'profile_20260101120000_000002.csv.gz'),
      gzipSync(
        'externalId,email,firstName,lastName,birthDate,blackListEmail\nimp-1,imp1@example.com,Anna,"Smith, Jr.",1990-01-02,false\n,x@example.com,NoKey,,,\nimp-4,imp4@example.com,Dee,Doe,1985-12-31,0\n'
      )
    );
    fx.sim.resetEngineCalls();
    await workflows().triggerSignal('WKF_IMPORT_PROFILE', 'signal1', 'acs-d365', {
      fileNames: 'profile_20260101120000_000001.csv,profile_20260101120000_000002.csv.gz',
    });
    const done = await workflows().waitForFinish('WKF_IMPORT_PROFILE', wait);
    expect(done.state).toBe('finished');
    expect(done.raw.lastExecution).toMatchObject({
      report: { processed: 6, inserted: 3, updated: 1, unchanged: 0, rejected: 2 },
    });
    expect(fx.sim.engineCalls()).toMatchObject({ inserts: 3, updates: 1, engineCalls: 5 });
    const profiles = fx.client.resource({
      api: 'profileAndServicesExt',
      name: 'profile',
      key: PROFILE_EXTERNAL_ID_KEY,
    });
    const ann = await profiles.findByKey({ externalId: 'imp-1' });
    expect(ann).toMatchObject({ firstName: 'Anna', lastName: 'Smith, Jr.', birthDate: '1990-01-02' });
    expect((await profiles.findByKey({ externalId: 'imp-3' }))?.firstName).toBe('Cé "Quoted"');
    expect((await profiles.findByKey({ externalId: 'imp-3' }))?.blackListEmail).toBe(true);
    const rejects1 = await readFile(join(importDir, 'rejects/profile_20260101120000_000001_rejects.csv'), 'utf8');
    expect(rejects1.split('\n')[0]).toBe('recordNumber,key,errorCode,errorMessage');
    expect(rejects1).toMatch(/^3,imp-2,RST-360012,.*not a valid email/m);
    const rejects2 = await readFile(join(importDir, 'rejects/profile_20260101120000_000002_rejects.csv'), 'utf8');
    expect(rejects2).toMatch(/^3,,RST-360012,.*key/m);
  });

  it('ends in state error when a file is missing', async () => {
    await workflows().start('WKF_IMPORT_PROFILE');
    await workflows().waitForState('WKF_IMPORT_PROFILE', (s) => s === 'started', wait);
    await workflows().triggerSignal('WKF_IMPORT_PROFILE', 'signal1', 'acs-d365', { fileNames: 'missing.csv' });
    const failed = await workflows().waitForFinish('WKF_IMPORT_PROFILE', wait);
    expect(failed.state).toBe('error');
    expect((failed.raw.lastExecution as { error: string }).error).toMatch(/ENOENT|no such file/);
  });

  async function token(): Promise<string> {
    const response = await fetch(fx.sim.imsUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: fx.sim.clientId,
        client_secret: fx.sim.clientSecret,
      }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }
});

describe('Campaign workflow commands are asynchronous', () => {
  let fx: CampaignFixture;
  beforeAll(async () => {
    fx = await startCampaignFixture({ commandDelayMs: 1500, workflows: [{ id: 'WKF_SLOW', initialState: 'edition' }] });
  });
  afterAll(() => fx.close());

  it('accepts a command at once and shows its effect only later', async () => {
    await fx.client.workflows.start('WKF_SLOW');
    expect((await fx.client.workflows.get('WKF_SLOW')).state).toBe('edition');
    const started = await fx.client.workflows.waitForState('WKF_SLOW', (s) => s === 'started', {
      timeoutMs: 10_000,
      pollIntervalMs: 50,
    });
    expect(started.state).toBe('started');
  });
});

describe('Campaign signal cooldown', () => {
  let fx: CampaignFixture;
  beforeAll(async () => {
    fx = await startCampaignFixture({ workflows: [{ id: 'WKF_CD', signals: { signal1: {} } }] });
  });
  afterAll(() => fx.close());

  it('answers a second trigger within 10 minutes with plain text, reported as CampaignSignalCooldownError', async () => {
    await fx.client.workflows.triggerSignal('WKF_CD', 'signal1', 'test');
    await fx.client.workflows.waitForFinish('WKF_CD', { timeoutMs: 5000, pollIntervalMs: 20 });
    await fx.client.workflows.start('WKF_CD');
    await fx.client.workflows.waitForState('WKF_CD', (s) => s === 'started', { timeoutMs: 5000, pollIntervalMs: 20 });
    const error = await fx.client.workflows.triggerSignal('WKF_CD', 'signal1', 'test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CampaignSignalCooldownError);
    expect(error).toBeInstanceOf(CampaignApiError);
    expect((error as Error).message).toMatch(/POST \/workflow\/execution\/@.*\/trigger.*once every 10 minutes/);
  });
});
