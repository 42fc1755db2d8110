import { type WorkflowHandle } from '@temporalio/client';
import { optOutManagerWorkflow } from '../../src/workflows';
import { optOutStatusQuery, type OptOutStatus } from '../../src/workflows/optout/messages';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { profilesByExternalId } from '../harness/reliability';
import { until } from '../harness/polling';

/**
 * A Campaign opt-out for a profile whose D365 contact is inactive, in an organization that refuses writes to inactive
 * contacts (a plug-in or business rule; Dataverse itself allows them): HTTP 400 0x80043b09 "read-only". Expected, as for any record the target refuses: the line is audited as refused, the other
 * lines are applied, and the pass ends. (It used to fail its slice for ever.) The test stops waiting once the slice
 * has failed twice.
 */
describe('opt-out for an inactive D365 contact', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof optOutManagerWorkflow>;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 30, readOnlyInactiveContacts: true },
      flows: {
        optOut: {
          mode: 'campaign-to-d365',
          every: '1h',
          pairs: [{ campaign: 'denyListEmail', dynamics: 'donotbulkemail' }],
        },
      },
    });
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('audits the refused line and applies the others', async () => {
    const [inactive, active] = await Promise.all([1, 0].map((state) => contactWithoutOptOut(stack, state)));
    const profiles = profilesByExternalId(stack.resources);
    // The inactive contact's line comes first in the file, the active one's second.
    for (const id of [inactive!, active!]) {
      const { PKey } = await profiles.create({ externalId: id });
      await profiles.patch(PKey, { blackListEmail: true });
    }
    await stack.campaign.exports!.writeNow();
    manager = await stack.temporal.client.workflow.start(optOutManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'rel-inactive-optout',
      args: [{}],
    });

    const pass = stack.temporal.client.workflow.getHandle('rel-inactive-optout:pass:1');
    let status: OptOutStatus | undefined;
    await until(
      async () => {
        status = await manager.query(optOutStatusQuery);
        if (status.passes >= 1) return true;
        const pending = (await pass.describe().catch(() => undefined))?.raw.pendingActivities?.[0];
        return (pending?.attempt ?? 0) >= 2 && pending?.lastFailure !== undefined && pending.lastFailure !== null;
      },
      60_000,
      'the pass to finish, or its slice to fail twice'
    );
    expect(status?.passes).toBe(1);
    expect(status?.lastError).toBeUndefined();
    const [row] = (
      await stack.resources
        .dynamics()
        .readPages('contacts', { select: ['donotbulkemail'], filter: `contactid eq ${active!}` })
        .next()
    ).value.rows;
    expect(row.donotbulkemail).toBe(true);
  });
});

/** A contact in this state (0 active, 1 inactive) that D365 does not yet opt out of bulk email. */
async function contactWithoutOptOut(stack: FlowStack, statecode: number): Promise<string> {
  const filter = `statecode eq ${statecode} and donotbulkemail eq false`;
  for await (const page of stack.resources.dynamics().readPages('contacts', { select: ['contactid'], filter })) {
    const id = page.rows[0]?.contactid;
    if (typeof id === 'string') return id;
  }
  throw new Error(`no contact with ${filter}`);
}
