import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import { type WorkerResources } from '../../src/activities';
import { startChangeGenerator } from '../../src/sandbox/dynamics';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { syncNowSignal } from '../../src/workflows/ingress/messages';
import { assertBuildIsFresh } from '../harness/cli';
import { contactsAndProfiles, untilStatus } from '../harness/flow-compare';
import { contactsToProfiles } from '../harness/mappings';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { until } from '../harness/polling';

const SEEDED = 3_000;

/**
 * The file path of the initial transfer (threshold lowered to 1,000 rows), with D365 edited all along, and the
 * worker process killed with SIGKILL, as a crash would, then started again: Campaign must end equal to D365,
 * field by field, with no duplicates.
 */
describe('ingress file path with a worker killed mid-transfer and mid-pass', () => {
  let stack: FlowStack;
  let resources: WorkerResources;
  let manager: WorkflowHandle<typeof ingressManagerWorkflow>;

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: SEEDED },
      pageSize: 250,
      flows: {
        ingress: [
          contactsToProfiles('file-contacts', {
            deletes: true,
            initialTransfer: { fileThreshold: 1_000, chunkRows: 500, importWorkflow: 'WKF_IMPORT_PROFILE' },
          }),
        ],
      },
    });
    resources = stack.resources;
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('goes by file, survives SIGKILL during the upload, and loses or duplicates nothing', async () => {
    const edits = startChangeGenerator(stack.dynamics.db, { changesPerSecond: 40, seed: 11 });
    const firstWorker = stack.startWorkerProcess();
    manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId('file-contacts'),
      args: [{ mapping: 'file-contacts' }],
    });
    await until(async () => (await uploadedChunks(stack)).length >= 1, 60_000, 'a chunk uploaded');
    firstWorker.kill('SIGKILL');
    stack.startWorkerProcess();

    const afterTransfer = await untilStatus(manager, (s) => s.initialTransferDone, 150_000);
    expect(afterTransfer.lastError).toBeUndefined();
    expect((await uploadedChunks(stack)).length).toBeGreaterThanOrEqual(Math.ceil(SEEDED / 500));
    edits.stop();

    await manager.signal(syncNowSignal);
    await untilStatus(manager, (s) => s.passes >= 1 && s.phase === 'waiting', 60_000);
    const { d365, campaign, duplicates } = await contactsAndProfiles(resources);
    expect(duplicates).toEqual([]);
    expect(campaign).toEqual(d365);
  }, 300_000);

  it('survives SIGKILL in the middle of an incremental pass', async () => {
    // Inactive contacts are read-only in D365: change 600 active ones.
    const ids: string[] = [];
    for await (const page of resources
      .dynamics()
      .readPages('contacts', { select: ['contactid'], filter: 'statecode eq 0' })) {
      ids.push(...page.rows.map((row) => String(row.contactid)));
      if (ids.length >= 600) break;
    }
    for (const id of ids.slice(0, 600)) {
      await resources.dynamics().update('contacts', id, { firstname: `Changed${id.slice(-4)}` });
    }
    // Slow Campaign down so that the pass is still running when the worker dies.
    stack.campaign.faults.add({ kind: 'latency', latencyMs: 20 });
    await stack.killWorkerProcesses();
    stack.startWorkerProcess();
    const passesBefore = (await untilStatus(manager, () => true)).passes;

    await manager.signal(syncNowSignal);
    await untilStatus(manager, (s) => s.phase === 'syncing');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await untilStatus(manager, () => true)).phase).toBe('syncing'); // the pass is still running
    await stack.killWorkerProcesses();
    stack.startWorkerProcess();
    stack.campaign.faults.clear();

    const status = await untilStatus(manager, (s) => s.passes > passesBefore && s.phase === 'waiting', 120_000);
    expect(status.lastError).toBeUndefined();
    expect(status.passes).toBe(passesBefore + 1); // the killed pass resumed and finished; it was not abandoned
    const { d365, campaign, duplicates } = await contactsAndProfiles(resources);
    expect(duplicates).toEqual([]);
    expect(campaign).toEqual(d365);
    expect(campaign.filter((c) => typeof c.firstName === 'string' && c.firstName.startsWith('Changed'))).toHaveLength(
      600
    );
  }, 300_000);
});

async function uploadedChunks(stack: FlowStack): Promise<string[]> {
  const folder = path.join(stack.sftp.root, 'd365_loads', 'imports');
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith('.csv.gz'));
}
