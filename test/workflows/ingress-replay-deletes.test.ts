import { type WorkflowHandle } from '@temporalio/client';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, replaySignal } from '../../src/workflows/ingress/messages';
import { readContacts, untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { profilesByExternalId } from '../harness/reliability';
import { eventually } from '../harness/polling';

/**
 * A replay reads D365 in full, which shows neither the rows deleted since the last pass nor (on the file path) lets
 * the import delete what left the filter. Both must still leave Campaign: the replay ends with a walk over Campaign
 * that deletes them (found by the convergence test: such profiles stayed for ever).
 */
describe.each([
  { path: 'api', fileThreshold: 100_000 },
  { path: 'file', fileThreshold: 10 },
])('a replay by $path deletes what D365 deleted or filtered out meanwhile', ({ path, fileThreshold }) => {
  const mapping = `replay-deletes-${path}`;
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof ingressManagerWorkflow>;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 30 },
      // The replay signals the import workflow again at once (Campaign's 10-minute cooldown would hold it).
      campaign: { signalCooldownMs: 0 },
      flows: {
        ingress: [
          contactsToProfiles(mapping, {
            deletes: true,
            filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 0 }], deleteFilteredOut: true },
            initialTransfer: { fileThreshold, chunkRows: 10, importWorkflow: 'WKF_IMPORT_PROFILE' },
          }),
        ],
      },
    });
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('deletes the profile of a deleted contact and of a deactivated one, and keeps the others', async () => {
    const dynamics = stack.resources.dynamics();
    manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId(mapping),
      args: [{ mapping }],
    });
    await untilStatus(manager, (s) => s.initialTransferDone && s.phase === 'waiting');
    const profiles = profilesByExternalId(stack.resources);
    const transferred: string[] = [];
    for (const id of (await readContacts(stack.resources)).keys())
      if (await profiles.findByKey({ externalId: id })) transferred.push(id);
    const [gone, inactive, stays] = transferred;
    expect(stays).toBeDefined();

    await dynamics.delete('contacts', gone!);
    await dynamics.update('contacts', inactive!, { statecode: 1 });
    await manager.signal(replaySignal);
    const replay = stack.temporal.client.workflow.getHandle(`${ingressManagerId(mapping)}:initial:2`);
    await eventually(async () => expect((await replay.describe()).status.name).toBe('COMPLETED'), 90_000);
    await untilStatus(manager, (s) => s.phase === 'waiting');
    expect((await manager.query(ingressStatusQuery)).lastError).toBeUndefined();

    expect(await profiles.findByKey({ externalId: gone! })).toBeUndefined();
    expect(await profiles.findByKey({ externalId: inactive! })).toBeUndefined();
    expect(await profiles.findByKey({ externalId: stays! })).toBeDefined();
  }, 150_000);
});
