import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CampaignApiError, type KeyDefinition } from '../../src/connectors/campaign';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';

const byId = (field: string): KeyDefinition => ({ fields: [field], lookup: { type: 'customKey' } });

/**
 * Links between custom resources in the simulator: both cardinalities, and what Adobe's integration warns about when
 * a child arrives before its parent: with a `1` link the child stays hidden until the parent arrives, and a write of
 * it before then is not processed.
 */
describe('Campaign simulator: links between custom resources, both cardinalities, hidden children', () => {
  let fx: CampaignFixture;
  let importDir: string;
  const wait = { timeoutMs: 30_000, pollIntervalMs: 25 };
  beforeAll(async () => {
    fx = await startCampaignFixture({
      signalCooldownMs: 0,
      customResources: [
        {
          name: 'cusProgram',
          fields: { programId: { type: 'string', maxLength: 40 }, label: { type: 'string' } },
          identificationKey: ['programId'],
        },
        {
          name: 'cusStrict',
          fields: { strictId: { type: 'string', maxLength: 40 } },
          identificationKey: ['strictId'],
          links: [{ field: 'program', target: 'cusProgram', cardinality: '1' }],
        },
        {
          name: 'cusLoose',
          fields: { looseId: { type: 'string', maxLength: 40 } },
          identificationKey: ['looseId'],
          links: [{ field: 'program', target: 'cusProgram', cardinality: '0..1' }],
        },
        {
          name: 'cusOwned',
          fields: { ownedId: { type: 'string', maxLength: 40 } },
          identificationKey: ['ownedId'],
          links: [{ field: 'program', target: 'cusProgram', cardinality: '1', onTargetDelete: 'delete' }],
        },
        {
          name: 'cusGuard',
          fields: { guardId: { type: 'string', maxLength: 40 } },
          identificationKey: ['guardId'],
          links: [{ field: 'program', target: 'cusProgram', cardinality: '0..1', onTargetDelete: 'refuse' }],
        },
      ],
      workflows: [
        ...['cusProgram:programId', 'cusStrict:strictId', 'cusLoose:looseId'].flatMap((spec) => {
          const [resource = '', key = ''] = spec.split(':');
          return (['reject', 'keep'] as const).map((unreconciledLinks) => ({
            id: `WKF_${resource}_${unreconciledLinks}`,
            signals: { signal1: { fileNames: 'string' as const } },
            import: { resource, key: [key], signal: 'signal1', unreconciledLinks },
          }));
        }),
      ],
    });
    importDir = join(fx.sftpRoot, 'd365_loads/imports');
    await mkdir(importDir, { recursive: true });
  });
  afterAll(() => fx.close());

  const programs = () => fx.client.resource({ api: 'customResources', name: 'cusProgram', key: byId('programId') });
  const stricts = () => fx.client.resource({ api: 'customResources', name: 'cusStrict', key: byId('strictId') });
  const looses = () => fx.client.resource({ api: 'customResources', name: 'cusLoose', key: byId('looseId') });

  async function runImport(workflowId: string, fileName: string, text: string): Promise<Record<string, number>> {
    await writeFile(join(importDir, fileName), text);
    const workflows = fx.client.workflows;
    if ((await workflows.get(workflowId)).state !== 'started') {
      await workflows.start(workflowId);
      await workflows.waitForState(workflowId, (s) => s === 'started', wait);
    }
    await workflows.triggerSignal(workflowId, 'signal1', 'acs-d365', { fileNames: fileName });
    const done = await workflows.waitForFinish(workflowId, wait);
    expect(done.state).toBe('finished');
    return (done.raw.lastExecution as { report: Record<string, number> }).report;
  }

  it('describes each link with its target and serves the linked record by PKey through the API', async () => {
    const metadata = await fx.client.resourceMetadata('customResources', 'cusStrict');
    expect((metadata?.content as Record<string, unknown>).program).toMatchObject({
      type: 'link',
      resTarget: 'cusProgram',
    });
    const program = await programs().create({ programId: 'P-API', label: 'Gold' });
    await stricts().create({ strictId: 'S-API', program: { PKey: program.PKey } });
    const child = await stricts().findByKey({ strictId: 'S-API' });
    expect((child?.program as { href: string }).href).toMatch(
      new RegExp(`/customResources/cusProgram/${program.PKey}$`)
    );
    // A `1` link is mandatory through the API, and must name an existing record.
    await expect(stricts().create({ strictId: 'S-NONE' })).rejects.toBeInstanceOf(CampaignApiError);
    await expect(stricts().create({ strictId: 'S-BAD', program: { PKey: '@nope' } })).rejects.toBeInstanceOf(
      CampaignApiError
    );
    await looses().create({ looseId: 'L-NONE' });
    expect(await looses().findByKey({ looseId: 'L-NONE' })).toMatchObject({ program: {} });
  });

  it('the documented import workflow rejects a row whose linked record does not exist, whatever the cardinality', async () => {
    const strict = await runImport(
      'WKF_cusStrict_reject',
      'cusStrict_20260105000000_000001.csv',
      'strictId,program.programId\nS-R,P-MISSING\n'
    );
    const loose = await runImport(
      'WKF_cusLoose_reject',
      'cusLoose_20260105000000_000001.csv',
      'looseId,program.programId\nL-R,P-MISSING\n'
    );
    expect([strict.rejected, loose.rejected]).toEqual([1, 1]);
    const rejects = await readFile(join(importDir, 'rejects/cusStrict_20260105000000_000001_rejects.csv'), 'utf8');
    expect(rejects).toMatch(/^2,S-R,RST-360012,.*no cusProgram has programId/m);
    expect(await stricts().findByKey({ strictId: 'S-R' })).toBeUndefined();
  });

  it('keeping unreconciled links: a `1` child stays hidden until its parent arrives, and is not processed meanwhile', async () => {
    const first = await runImport(
      'WKF_cusStrict_keep',
      'cusStrict_20260105000001_000001.csv',
      'strictId,program.programId\nS-H,P-LATE\n'
    );
    expect(first).toMatchObject({ inserted: 1, rejected: 0 });
    // Hidden from the API: no filter, key, listing or count finds it.
    expect(await stricts().findByKey({ strictId: 'S-H' })).toBeUndefined();
    const table = fx.sim.store.table('cusStrict');
    expect(table?.hidden().map((h) => h.record.values.strictId)).toEqual(['S-H']);
    expect([...(table?.values() ?? [])].map((r) => r.values.strictId)).not.toContain('S-H');
    // An update before the parent arrives is not processed (the import rejects it), nor a create by the API.
    const update = await runImport(
      'WKF_cusStrict_keep',
      'cusStrict_20260105000002_000001.csv',
      'strictId,program.programId\nS-H,P-LATE\n'
    );
    expect(update).toMatchObject({ rejected: 1, inserted: 0 });
    const rejects = await readFile(join(importDir, 'rejects/cusStrict_20260105000002_000001_rejects.csv'), 'utf8');
    expect(rejects).toMatch(/^2,S-H,RST-360012,.*not processed: it stays hidden/m);
    const other = await programs().create({ programId: 'P-OTHER', label: 'Other' });
    await expect(stricts().create({ strictId: 'S-H', program: { PKey: other.PKey } })).rejects.toMatchObject({
      status: 400,
    });
    expect(table?.hidden()).toHaveLength(1);
    // A delete is not processed either: the API cannot reach the hidden record (404, which the client takes as gone).
    const hiddenPKey = table?.hidden()[0]?.record.pkey ?? '';
    await stricts().delete(hiddenPKey);
    expect(table?.hidden().map((h) => h.record.pkey)).toEqual([hiddenPKey]);
  });

  it('the parent arriving reveals its hidden children, linked to it', async () => {
    await runImport(
      'WKF_cusStrict_keep',
      'cusStrict_20260105000003_000001.csv',
      'strictId,program.programId\nS-W,P-WAIT\n'
    );
    expect(await stricts().findByKey({ strictId: 'S-W' })).toBeUndefined();
    const program = await programs().create({ programId: 'P-WAIT', label: 'Wait' });
    const child = await stricts().findByKey({ strictId: 'S-W' });
    expect((child?.program as { href: string }).href.endsWith(`/${program.PKey}`)).toBe(true);
    expect(
      fx.sim.store
        .table('cusStrict')
        ?.hidden()
        .map((h) => h.record.values.strictId)
    ).not.toContain('S-W');
  });

  it('keeping unreconciled links: a `0..1` child is written at once, without its link (which nothing sets later)', async () => {
    const report = await runImport(
      'WKF_cusLoose_keep',
      'cusLoose_20260105000004_000001.csv',
      'looseId,program.programId\nL-K,P-NEVER\n'
    );
    expect(report).toMatchObject({ inserted: 1, rejected: 0 });
    expect(await looses().findByKey({ looseId: 'L-K' })).toMatchObject({ program: {} });
    await programs().create({ programId: 'P-NEVER', label: 'Now' });
    expect(await looses().findByKey({ looseId: 'L-K' })).toMatchObject({ program: {} });
  });

  it("deleting a linked record follows each link's behaviour: clear (the default), delete, or refuse", async () => {
    const owned = () => fx.client.resource({ api: 'customResources', name: 'cusOwned', key: byId('ownedId') });
    const guards = () => fx.client.resource({ api: 'customResources', name: 'cusGuard', key: byId('guardId') });
    const program = await programs().create({ programId: 'P-DEL', label: 'Gone' });
    await looses().create({ looseId: 'L-DEL', program: { PKey: program.PKey } });
    await owned().create({ ownedId: 'O-DEL', program: { PKey: program.PKey } });
    const guard = await guards().create({ guardId: 'G-DEL', program: { PKey: program.PKey } });
    await expect(programs().delete(program.PKey)).rejects.toMatchObject({ status: 400 });
    expect(await programs().findByKey({ programId: 'P-DEL' })).toBeDefined();
    await guards().delete(guard.PKey);
    await programs().delete(program.PKey);
    expect(await looses().findByKey({ looseId: 'L-DEL' })).toMatchObject({ program: {} });
    expect(await owned().findByKey({ ownedId: 'O-DEL' })).toBeUndefined();
  });
});
