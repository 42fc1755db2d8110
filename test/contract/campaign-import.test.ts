import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { defaultImportWorkflow } from '../../src/sandbox/campaign';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';

describe('Campaign simulator import workflow: volume, engine calls, custom resources with links', () => {
  let fx: CampaignFixture;
  let importDir: string;
  const wait = { timeoutMs: 30_000, pollIntervalMs: 25 };
  beforeAll(async () => {
    fx = await startCampaignFixture({
      signalCooldownMs: 0,
      customResources: [
        {
          name: 'cusOrder',
          fields: { crmId: { type: 'string' }, amount: { type: 'number' } },
          identificationKey: ['crmId'],
          profileLink: { field: 'profile', cardinality: '1' },
        },
      ],
      workflows: [
        defaultImportWorkflow(),
        {
          id: 'WKF_IMPORT_ORDER',
          signals: { signal1: { fileNames: 'string' } },
          import: { resource: 'cusOrder', key: ['crmId'], signal: 'signal1' },
        },
      ],
    });
    importDir = join(fx.sftpRoot, 'd365_loads/imports');
    await mkdir(importDir, { recursive: true });
  });
  afterAll(() => fx.close());

  async function runImport(workflowId: string, fileNames: string): Promise<Record<string, number>> {
    const workflows = fx.client.workflows;
    const state = (await workflows.get(workflowId)).state;
    if (state !== 'started') {
      await workflows.start(workflowId);
      await workflows.waitForState(workflowId, (s) => s === 'started', wait);
    }
    await workflows.triggerSignal(workflowId, 'signal1', 'acs-d365', { fileNames });
    const done = await workflows.waitForFinish(workflowId, wait);
    expect(done.state).toBe('finished');
    return (done.raw.lastExecution as { report: Record<string, number> }).report;
  }

  it('streams a 20,000-row gzip file; re-importing it unchanged costs one engine call per row and no write', async () => {
    const lines = ['externalId,email,firstName,lastName'];
    for (let i = 0; i < 20_000; i += 1) lines.push(`vol-${i},vol${i}@example.com,First${i},"Last, ${i}"`);
    await writeFile(join(importDir, 'profile_20260102000000_000001.csv.gz'), gzipSync(lines.join('\n') + '\n'));
    fx.sim.resetEngineCalls();
    const first = await runImport('WKF_IMPORT_PROFILE', 'profile_20260102000000_000001.csv.gz');
    expect(first).toMatchObject({ processed: 20_000, inserted: 20_000, rejected: 0 });
    expect(fx.sim.engineCalls()).toMatchObject({ inserts: 20_000, engineCalls: 20_000 });
    fx.sim.resetEngineCalls();
    const second = await runImport('WKF_IMPORT_PROFILE', 'profile_20260102000000_000001.csv.gz');
    expect(second).toMatchObject({ processed: 20_000, unchanged: 20_000, inserted: 0, updated: 0 });
    expect(fx.sim.engineCalls()).toMatchObject({ unchangedUpdates: 20_000, updates: 0, engineCalls: 20_000 });
    const profiles = fx.client.resource({
      api: 'profileAndServicesExt',
      name: 'profile',
      key: PROFILE_EXTERNAL_ID_KEY,
    });
    expect(await profiles.findByKey({ externalId: 'vol-19999' })).toMatchObject({ lastName: 'Last, 19999' });
  });

  it('links imported custom-resource rows to profiles by a <link>.<field> column, rejecting unknown parents', async () => {
    await writeFile(
      join(importDir, 'cusOrder_20260102000000_000001.csv'),
      'crmId,amount,profile.externalId\nO-1,10.5,vol-1\nO-2,3,no-such-contact\nO-3,7,\n'
    );
    const report = await runImport('WKF_IMPORT_ORDER', 'cusOrder_20260102000000_000001.csv');
    expect(report).toMatchObject({ processed: 3, inserted: 1, rejected: 2 });
    const rejects = await readFile(join(importDir, 'rejects/cusOrder_20260102000000_000001_rejects.csv'), 'utf8');
    expect(rejects).toMatch(/^3,O-2,RST-360012,.*no profile has externalId 'no-such-contact'/m);
    expect(rejects).toMatch(/^4,O-3,RST-360012,.*'profile' link of 'cusOrder' is mandatory/m);
    const orders = fx.client.resource({
      api: 'profileAndServicesExt',
      name: 'cusOrder',
      key: { fields: ['crmId'], lookup: { type: 'customKey' } },
    });
    const order = await orders.findByKey({ crmId: 'O-1' });
    const profile = await fx.client
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY })
      .findByKey({ externalId: 'vol-1' });
    expect(order?.amount).toBe(10.5);
    expect((order?.profile as { href: string }).href.endsWith(`/${String(profile?.PKey)}`)).toBe(true);
  });

  it('fails the workflow when the header of a file lacks the key column', async () => {
    await writeFile(join(importDir, 'profile_nokey.csv'), 'email\nx@example.com\n');
    await fx.client.workflows.start('WKF_IMPORT_PROFILE');
    await fx.client.workflows.waitForState('WKF_IMPORT_PROFILE', (s) => s === 'started', wait);
    await fx.client.workflows.triggerSignal('WKF_IMPORT_PROFILE', 'signal1', 'acs-d365', {
      fileNames: 'profile_nokey.csv',
    });
    const done = await fx.client.workflows.waitForFinish('WKF_IMPORT_PROFILE', wait);
    expect(done.state).toBe('error');
    expect((done.raw.lastExecution as { error: string }).error).toMatch(/no key column externalId/);
  });

  it('refuses file names that leave the import folder', async () => {
    await fx.client.workflows.start('WKF_IMPORT_PROFILE');
    await fx.client.workflows.waitForState('WKF_IMPORT_PROFILE', (s) => s === 'started', wait);
    await fx.client.workflows.triggerSignal('WKF_IMPORT_PROFILE', 'signal1', 'acs-d365', {
      fileNames: '../secret.csv',
    });
    const done = await fx.client.workflows.waitForFinish('WKF_IMPORT_PROFILE', wait);
    expect(done.state).toBe('error');
    expect((done.raw.lastExecution as { error: string }).error).toMatch(/not a plain file name/);
  });

  it('refuses signal payloads over 64 KB', async () => {
    await fx.client.workflows.start('WKF_IMPORT_PROFILE');
    await fx.client.workflows.waitForState('WKF_IMPORT_PROFILE', (s) => s === 'started', wait);
    await expect(
      fx.client.workflows.triggerSignal('WKF_IMPORT_PROFILE', 'signal1', 'acs-d365', { fileNames: 'x'.repeat(70_000) })
    ).rejects.toThrow(/64 KB/);
  });
});

describe('Campaign simulator import workflow: pause, resume and stop while importing', () => {
  let fx: CampaignFixture;
  let importDir: string;
  const wait = { timeoutMs: 30_000, pollIntervalMs: 10 };
  const progress = async (): Promise<Record<string, number>> =>
    ((await fx.client.workflows.get('WKF_IMPORT_PROFILE')).raw.lastExecution as { report: Record<string, number> })
      .report;

  beforeAll(async () => {
    fx = await startCampaignFixture({ signalCooldownMs: 0, commandDelayMs: 5 });
    importDir = join(fx.sftpRoot, 'd365_loads/imports');
    await mkdir(importDir, { recursive: true });
    const lines = ['externalId,firstName'];
    for (let i = 0; i < 30_000; i += 1) lines.push(`p-${i},Name${i}`);
    await writeFile(join(importDir, 'profile_big.csv.gz'), gzipSync(lines.join('\n') + '\n'));
  });
  afterAll(() => fx.close());

  it('holds still while paused and completes after resume', async () => {
    await fx.client.workflows.triggerSignal('WKF_IMPORT_PROFILE', 'signal1', 'acs-d365', {
      fileNames: 'profile_big.csv.gz',
    });
    await fx.client.workflows.pause('WKF_IMPORT_PROFILE');
    await fx.client.workflows.waitForState('WKF_IMPORT_PROFILE', (s) => s === 'paused', wait);
    const before = (await progress()).processed ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const during = (await progress()).processed ?? 0;
    expect(during).toBe(before);
    expect(during).toBeLessThan(30_000);
    await fx.client.workflows.resume('WKF_IMPORT_PROFILE');
    const done = await fx.client.workflows.waitForFinish('WKF_IMPORT_PROFILE', wait);
    expect(done.state).toBe('finished');
    expect((await progress()).processed).toBe(30_000);
  });

  it('ends early and stays stopped when stopped during the import', async () => {
    await fx.client.workflows.start('WKF_IMPORT_PROFILE');
    await fx.client.workflows.waitForState('WKF_IMPORT_PROFILE', (s) => s === 'started', wait);
    await fx.client.workflows.triggerSignal('WKF_IMPORT_PROFILE', 'signal1', 'acs-d365', {
      fileNames: 'profile_big.csv.gz',
    });
    await fx.client.workflows.stop('WKF_IMPORT_PROFILE');
    const done = await fx.client.workflows.waitForFinish('WKF_IMPORT_PROFILE', wait);
    expect(done.state).toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await progress()).processed).toBeLessThan(30_000);
  });
});
