import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import { type WorkerResources } from '../../src/activities';
import { defaultImportWorkflow } from '../../src/sandbox/campaign/workflow-engine';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { syncNowSignal } from '../../src/workflows/ingress/messages';
import { contactsAndProfiles, untilStatus } from '../harness/flow-compare';
import { contactsToProfiles } from '../harness/mappings';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';

/**
 * A file transfer whose Campaign import fails (the import workflow is misconfigured in Campaign): the flow shows the
 * failure, keeps its checkpoint, and after the operator fixes Campaign and asks to sync, resumes from the last
 * completed chunk instead of uploading everything again.
 */
describe('resuming a failed file transfer from its last completed chunk', () => {
  let stack: FlowStack;
  let resources: WorkerResources;
  let manager: WorkflowHandle<typeof ingressManagerWorkflow>;
  const importWorkflow = defaultImportWorkflow();
  importWorkflow.import = { ...importWorkflow.import!, resource: 'profileTypo' };

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 1_200 },
      campaign: { workflows: [importWorkflow], signalCooldownMs: 0 },
      pageSize: 250,
      flows: {
        ingress: [
          contactsToProfiles('resume-contacts', {
            initialTransfer: { fileThreshold: 1_000, chunkRows: 500, importWorkflow: importWorkflow.id },
          }),
        ],
      },
    });
    resources = stack.resources;
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('fails clearly, then resumes without rewriting the chunks that were complete', async () => {
    manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId('resume-contacts'),
      args: [{ mapping: 'resume-contacts' }],
    });
    const failed = await untilStatus(manager, (s) => s.phase === 'failed', 60_000);
    expect(failed.lastError).toContain('the Campaign import workflow of resume-contacts ended in state error');
    const chunks = await uploadedChunks(stack);
    expect(chunks).toHaveLength(3);
    const firstUpload = await Promise.all(chunks.map(async (file) => (await stat(file)).mtimeMs));

    importWorkflow.import!.resource = 'profile'; // the operator fixes the workflow in Campaign
    await manager.signal(syncNowSignal);
    const done = await untilStatus(manager, (s) => s.initialTransferDone, 60_000);
    expect(done.lastError).toBeUndefined();

    expect(await uploadedChunks(stack)).toEqual(chunks); // same batch, same names: nothing uploaded twice
    const afterResume = await Promise.all(chunks.map(async (file) => (await stat(file)).mtimeMs));
    expect(afterResume.slice(0, 2)).toEqual(firstUpload.slice(0, 2)); // completed chunks kept as they were
    expect(afterResume[2]).toBeGreaterThan(firstUpload[2]!); // only the last chunk, never checkpointed, written again
    const { d365, campaign, duplicates } = await contactsAndProfiles(resources);
    expect(duplicates).toEqual([]);
    expect(campaign).toEqual(d365);
  }, 180_000);
});

/** The uploaded chunk files, in chunk order. */
async function uploadedChunks(stack: FlowStack): Promise<string[]> {
  const folder = path.join(stack.sftp.root, 'd365_loads', 'imports');
  const names = (await readdir(folder)).filter((name) => name.endsWith('.csv.gz')).sort();
  return names.map((name) => path.join(folder, name));
}
