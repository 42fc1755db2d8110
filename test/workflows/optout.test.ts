import { type WorkflowHandle } from '@temporalio/client';
import { PROFILE_EXTERNAL_ID_KEY, type ResourceClient } from '../../src/connectors/campaign';
import { optOutManagerWorkflow } from '../../src/workflows';
import { optOutStatusQuery, syncNowSignal } from '../../src/workflows/optout/messages';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { untilQuery } from '../harness/polling';

/** Bidirectional opt-out sync through its manager: both directions, the timestamp rule, and no echo. */
describe('opt-out, bidirectional, on real Temporal with both simulators and sshd', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof optOutManagerWorkflow>;
  let profiles: ResourceClient;
  let ids: string[];

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 10 },
      flows: {
        optOut: {
          mode: 'bidirectional',
          every: '1h',
          pairs: [
            { campaign: 'denyListEmail', dynamics: 'donotbulkemail' },
            { campaign: 'denyList', dynamics: 'donotemail' },
          ],
        },
      },
    });
    profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    ids = [];
    for await (const page of stack.resources
      .dynamics()
      .readPages('contacts', { select: ['contactid'], filter: 'statecode eq 0' })) {
      ids.push(...page.rows.map((row) => String(row.contactid)));
    }
    for (const id of ids) await profiles.create({ externalId: id });
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  async function pairs(): Promise<{ d365: Record<string, boolean[]>; campaign: Record<string, boolean[]> }> {
    const d365: Record<string, boolean[]> = {};
    const campaign: Record<string, boolean[]> = {};
    for (const id of ids) {
      const [contact] = (
        await stack.resources
          .dynamics()
          .readPages('contacts', { select: ['donotbulkemail', 'donotemail'], filter: `contactid eq ${id}` })
          .next()
      ).value.rows;
      d365[id] = [contact.donotbulkemail === true, contact.donotemail === true];
      const profile = await profiles.findByKey({ externalId: id });
      campaign[id] = [profile?.blackListEmail === true, profile?.blackList === true];
    }
    return { d365, campaign };
  }

  it('converges both ways in one round each, and a round with no change writes nothing', async () => {
    manager = await stack.temporal.client.workflow.start(optOutManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'optout',
      args: [{}],
    });
    await untilQuery(manager, optOutStatusQuery, (s) => s.passes >= 1);
    let state = await pairs();
    expect(state.campaign).toEqual(state.d365);

    // A D365 user opts contact 0 out of bulk email; a Campaign user puts profile 1 on the denylist.
    await stack.resources.dynamics().update('contacts', ids[0]!, { donotbulkemail: true });
    const profile1 = await profiles.findByKey({ externalId: ids[1]! });
    await profiles.patch(profile1!.PKey, { blackList: true });
    await stack.campaign.exports!.writeNow();

    await manager.signal(syncNowSignal);
    const second = await untilQuery(manager, optOutStatusQuery, (s) => s.passes >= 2);
    expect(second.lastError).toBeUndefined();
    state = await pairs();
    expect(state.campaign).toEqual(state.d365);
    expect(state.d365[ids[0]!]).toEqual([true, false]);
    expect(state.d365[ids[1]!]![1]).toBe(true);

    await manager.signal(syncNowSignal);
    const third = await untilQuery(manager, optOutStatusQuery, (s) => s.passes >= 3);
    expect(third.lastPass?.counts.applied).toBe(0); // what the flow wrote does not echo back
    expect(await pairs()).toEqual(state);
  });
});
