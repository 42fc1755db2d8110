import { type WorkflowHandle } from '@temporalio/client';
import { egressManagerWorkflow, ingressManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, syncNowSignal } from '../../src/workflows/ingress/messages';
import { contactsAndProfiles } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { startOwnTemporal, type OwnTemporal } from '../harness/own-temporal';
import { activeContactIds, activitiesPerEventId, duplicatedEventIds } from '../harness/reliability';
import { untilQuery } from '../harness/polling';

const MAPPING = 'rel-restart-contacts';

/**
 * The Temporal server (a dev server of this file, with a SQLite database file) restarted while an initial transfer
 * and an egress file are under way: both flows carry on from where the server's database left them, and both
 * systems end equal — every contact as a profile, every event as exactly one activity.
 */
describe('Temporal dev server restarted mid-run', () => {
  let temporal: OwnTemporal;
  let stack: FlowStack;
  let ingress: WorkflowHandle<typeof ingressManagerWorkflow>;
  let egress: WorkflowHandle<typeof egressManagerWorkflow>;

  beforeAll(async () => {
    temporal = await startOwnTemporal();
    stack = await startFlowStack({
      connect: () => temporal.connect(),
      dynamics: { seedContacts: 600, faults: { latencyMs: 2 } },
      pageSize: 50,
      flows: {
        ingress: [contactsToProfiles(MAPPING)],
        egress: { every: '1h', bounceTypes: ['hard', 'soft', 'ignored'], batchSize: 100 },
      },
    });
    stack.campaign.faults.add({ kind: 'latency', latencyMs: 5 });
    await stack.startWorker();
  }, 60_000);

  afterAll(async () => {
    for (const handle of [ingress, egress]) await handle?.terminate('test over').catch(() => undefined);
    await stack?.close();
    await temporal?.stop();
  });

  it('resumes both flows after the restart and loses or duplicates nothing', async () => {
    ingress = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId(MAPPING),
      args: [{ mapping: MAPPING }],
    });
    // The transfer is under way (some pages done, not all) when the server goes down.
    await untilQuery(ingress, ingressStatusQuery, (s) => (s.transfer?.rowsDone ?? 0) >= 100, 60_000);
    const before = await ingress.query(ingressStatusQuery);
    expect(before.initialTransferDone).toBe(false);
    await temporal.restart();

    const transferred = await untilQuery(ingress, ingressStatusQuery, (s) => s.initialTransferDone, 150_000);
    expect(transferred.lastError).toBeUndefined();

    // Second half: an egress file and an incremental pass in flight across a second restart.
    const generated = stack.campaign.exports!.generateEvents(5_000);
    await stack.campaign.exports!.writeNow();
    for (const id of await activeContactIds(stack.resources, 100)) {
      await stack.resources.dynamics().update('contacts', id, { lastname: `Restarted-${id.slice(-4)}` });
    }
    egress = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'rel-restart-egress',
      args: [{}],
    });
    await ingress.signal(syncNowSignal);
    await untilQuery(egress, egressStatusQuery, (s) => s.phase === 'applying', 60_000);
    await temporal.restart();

    const egressDone = await untilQuery(egress, egressStatusQuery, (s) => s.passes >= 1, 150_000);
    expect(egressDone.lastError).toBeUndefined();
    const ingressDone = await untilQuery(ingress, ingressStatusQuery, (s) => s.passes >= 1, 150_000);
    expect(ingressDone.lastError).toBeUndefined();

    const { d365, campaign, duplicates } = await contactsAndProfiles(stack.resources);
    expect(duplicates).toEqual([]);
    expect(campaign).toEqual(d365);
    const activities = await activitiesPerEventId(stack.resources);
    expect(duplicatedEventIds(activities)).toEqual([]);
    expect(activities.size).toBe(generated);
  }, 400_000);
});
