import { type WorkflowHandle } from '@temporalio/client';
import { type WorkerResources } from '../../src/activities';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { syncNowSignal } from '../../src/workflows/ingress/messages';
import { untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { campaignRecords } from '../harness/ingress-passes';

/** A custom table, a filter with deleteFilteredOut and a replacement, each through its manager workflow. */
describe('ingress of a custom table and of filtered, replaced contacts, on real Temporal', () => {
  let stack: FlowStack;
  let resources: WorkerResources;
  const managers: WorkflowHandle[] = [];

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 30 },
      campaign: {
        customResources: [
          {
            name: 'cusMembership',
            fields: {
              membershipId: { type: 'string', maxLength: 40 },
              name: { type: 'string', maxLength: 100 },
              tierCode: { type: 'integer' },
              points: { type: 'integer' },
            },
            filters: { byMembershipId: { membershipId_parameter: 'membershipId' } },
          },
        ],
      },
      flows: {
        ingress: [
          {
            name: 'wf-memberships',
            from: 'acs_membership',
            to: 'cusMembership',
            key: { from: 'acs_membershipid', to: 'membershipId' },
            fields: [
              { from: 'acs_name', to: 'name' },
              { from: 'acs_tier', to: 'tierCode' },
              { from: 'acs_points', to: 'points' },
            ],
            picklists: 'value',
            deletes: true,
            every: '1h',
          },
          {
            name: 'wf-active-contacts',
            from: 'contact',
            to: 'profile',
            key: { from: 'contactid', to: 'externalId' },
            fields: [
              { from: 'firstname', to: 'firstName' },
              { from: 'lastname', to: 'lastName' },
            ],
            replacements: [{ field: 'lastname', from: 'Kim', to: 'KIM' }],
            filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 0 }], deleteFilteredOut: true },
            every: '1h',
          },
        ],
      },
    });
    resources = stack.resources;
    await stack.startWorker();
  });

  afterAll(async () => {
    for (const manager of managers) await manager.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('copies, updates and deletes custom records, and keeps inactive contacts out of Campaign', async () => {
    const d365 = resources.dynamics();
    const ids: string[] = [];
    for (const tier of [1, 2, 3]) {
      const created = await d365.create('acs_memberships', {
        acs_name: `Member ${tier}`,
        acs_tier: tier,
        acs_points: tier * 10,
      });
      ids.push(String(created.id));
    }
    for (const mapping of ['wf-memberships', 'wf-active-contacts']) {
      managers.push(
        await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
          taskQueue: stack.taskQueue,
          workflowId: ingressManagerId(mapping),
          args: [{ mapping }],
        })
      );
    }
    for (const manager of managers) await untilStatus(manager, (s) => s.initialTransferDone && s.phase === 'waiting');

    let memberships = await campaignRecords(resources.campaign(), 'customResources', 'cusMembership', 'membershipId');
    expect([...memberships.keys()].sort()).toEqual([...ids].sort());
    expect(memberships.get(ids[2]!)).toMatchObject({ name: 'Member 3', tierCode: 3, points: 30 });

    const contacts = await activeAndInactiveContacts();
    let profiles = await campaignRecords(resources.campaign(), 'profileAndServicesExt', 'profile', 'externalId');
    expect([...profiles.keys()].sort()).toEqual(contacts.active.map((c) => c.id).sort());
    expect(contacts.active.some((c) => c.lastname === 'Kim')).toBe(true); // the replacement has rows to act on
    for (const contact of contacts.active) {
      expect(profiles.get(contact.id)?.lastName).toBe(contact.lastname === 'Kim' ? 'KIM' : contact.lastname);
    }

    await d365.update('acs_memberships', ids[0]!, { acs_points: 999 });
    await d365.delete('acs_memberships', ids[1]!);
    const deactivated = contacts.active[0]!.id;
    await d365.update('contacts', deactivated, { statecode: 1, statuscode: 2 });
    for (const manager of managers) await manager.signal(syncNowSignal);
    for (const manager of managers) await untilStatus(manager, (s) => s.passes === 1 && s.phase === 'waiting');

    memberships = await campaignRecords(resources.campaign(), 'customResources', 'cusMembership', 'membershipId');
    expect(memberships.get(ids[0]!)).toMatchObject({ points: 999 });
    expect(memberships.has(ids[1]!)).toBe(false);
    profiles = await campaignRecords(resources.campaign(), 'profileAndServicesExt', 'profile', 'externalId');
    expect(profiles.has(deactivated)).toBe(false); // filtered out now, and deleteFilteredOut is on
    expect(profiles.size).toBe(contacts.active.length - 1);
  });

  async function activeAndInactiveContacts(): Promise<{ active: { id: string; lastname: unknown }[] }> {
    const active: { id: string; lastname: unknown }[] = [];
    for await (const page of resources
      .dynamics()
      .readPages('contacts', { select: ['contactid', 'lastname', 'statecode'] })) {
      for (const row of page.rows)
        if (row.statecode === 0) active.push({ id: String(row.contactid), lastname: row.lastname });
    }
    return { active };
  }
});
