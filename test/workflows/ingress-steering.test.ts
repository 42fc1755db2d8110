import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { type WorkerResources } from '../../src/activities';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import {
  ingressStatusQuery,
  pauseSignal,
  replaySignal,
  resumeSignal,
  syncNowSignal,
} from '../../src/workflows/ingress/messages';
import { contactsAndProfiles, untilStatus } from '../harness/flow-compare';
import { contactsToProfiles } from '../harness/mappings';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { eventually } from '../harness/polling';

describe('steering an ingress flow: preflight, pause, resume, sync now, replay', () => {
  let stack: FlowStack;
  let resources: WorkerResources;
  let manager: WorkflowHandle<typeof ingressManagerWorkflow>;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 25 },
      flows: {
        ingress: [
          contactsToProfiles('steer-contacts'),
          contactsToProfiles('steer-broken', { fields: [{ from: 'nickname', to: 'firstName' }] }),
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

  it('refuses to start a mapping that does not match D365, naming the config path', async () => {
    const broken = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId('steer-broken'),
      args: [{ mapping: 'steer-broken' }],
    });
    const failure = await broken.result().then(
      () => undefined,
      (err: unknown) => err
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toContain(
      'ingress[1].fields[0].from: D365 table contact has no column nickname'
    );
  });

  it('pauses (no pass runs, even on sync now), resumes, then catches up', async () => {
    manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId('steer-contacts'),
      args: [{ mapping: 'steer-contacts' }],
    });
    await untilStatus(manager, (s) => s.initialTransferDone && s.phase === 'waiting');
    await manager.signal(pauseSignal);
    await untilStatus(manager, (s) => s.phase === 'paused');

    const { d365 } = await contactsAndProfiles(resources);
    await resources
      .dynamics()
      .update('contacts', String(d365.find((c) => c.firstName !== '')!.id), { firstname: 'WhilePaused' });
    await manager.signal(syncNowSignal);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await manager.query(ingressStatusQuery)).passes).toBe(0);
    expect((await contactsAndProfiles(resources)).campaign.some((p) => p.firstName === 'WhilePaused')).toBe(false);

    await manager.signal(resumeSignal);
    await untilStatus(manager, (s) => s.passes === 1 && s.phase === 'waiting');
    const after = await contactsAndProfiles(resources);
    expect(after.campaign).toEqual(after.d365);
  });

  it('replays: reads every row again in a new initial transfer, then goes on incrementally', async () => {
    await manager.signal(replaySignal);
    const replay = stack.temporal.client.workflow.getHandle(`${ingressManagerId('steer-contacts')}:initial:2`);
    await expect(eventually(() => replay.result())).resolves.toMatchObject({ path: 'api' });
    await untilStatus(manager, (s) => s.phase === 'waiting' && s.lastError === undefined);
    const after = await contactsAndProfiles(resources);
    expect(after.duplicates).toEqual([]);
    expect(after.campaign).toEqual(after.d365);
  });
});
