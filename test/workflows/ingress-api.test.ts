import { type WorkflowHandle } from '@temporalio/client';
import { type WorkerResources } from '../../src/activities';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, syncNowSignal } from '../../src/workflows/ingress/messages';
import { contactsToProfiles } from '../harness/mappings';
import { contactsAndProfiles, readContacts, readProfiles, untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';

const SEEDED = 40;

describe('ingress, API path, on real Temporal with both simulators', () => {
  let stack: FlowStack;
  let resources: WorkerResources;
  let manager: WorkflowHandle<typeof ingressManagerWorkflow>;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: SEEDED },
      flows: {
        ingress: [
          contactsToProfiles('api-contacts', {
            fields: [
              { from: 'firstname', to: 'firstName' },
              { from: 'lastname', to: 'lastName' },
              { from: 'emailaddress1', to: 'email' },
              { from: 'birthdate', to: 'birthDate', applyUpdates: false },
            ],
            deletes: true,
          }),
        ],
      },
    });
    resources = stack.resources;
    await stack.startWorker();
    manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId('api-contacts'),
      args: [{ mapping: 'api-contacts' }],
    });
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('copies every contact, inactive ones included, field by field', async () => {
    await untilStatus(manager, (status) => status.initialTransferDone);
    await expectCampaignEqualsD365();
    expect((await readProfiles(resources)).byKey.size).toBe(SEEDED);
  });

  it('applies creates, updates and deletes in an incremental pass, leaving applyUpdates: false fields alone', async () => {
    const d365 = resources.dynamics();
    const contacts = await readContacts(resources);
    const [first, second] = [...contacts.keys()];
    await d365.update('contacts', first!, { firstname: 'Renamed', birthdate: '2001-02-03' });
    await d365.delete('contacts', second!);
    const created = await d365.create('contacts', {
      firstname: 'New',
      lastname: 'Person',
      emailaddress1: 'new.person@example.com',
      birthdate: '1990-01-01',
    });
    const passes = (await manager.query(ingressStatusQuery)).passes;

    await manager.signal(syncNowSignal);
    const status = await untilStatus(manager, (s) => s.passes > passes && s.lastPass !== undefined);
    expect(status.lastError).toBeUndefined();
    expect(status.lastPass?.counts).toMatchObject({ created: 1, updated: 1, deleted: 1, rejected: 0 });

    const profiles = (await readProfiles(resources)).byKey;
    expect(profiles.has(second!)).toBe(false);
    expect(profiles.get(first!)).toMatchObject({ firstName: 'Renamed', birthDate: contacts.get(first!)!.birthdate });
    expect(profiles.get(created.id!)).toMatchObject({ firstName: 'New', lastName: 'Person', birthDate: '1990-01-01' });
  });

  it('recovers from an expired delta token: full re-read, then deletes what D365 no longer has', async () => {
    const d365 = resources.dynamics();
    const [victim] = [...(await readContacts(resources)).keys()];
    await d365.delete('contacts', victim!);
    stack.dynamics.expireDeltaTokens();
    const passes = (await manager.query(ingressStatusQuery)).passes;

    await manager.signal(syncNowSignal);
    await untilStatus(manager, (s) => s.passes > passes && s.phase === 'waiting' && s.lastError === undefined);
    expect((await readProfiles(resources)).byKey.has(victim!)).toBe(false);
    await expectCampaignEqualsD365();
  });

  it('keeps names and emails out of every workflow history', async () => {
    const contacts = await readContacts(resources);
    const secrets = [stack.dynamics.clientSecret, stack.campaign.clientSecret];
    const personal = [...contacts.values()]
      .flatMap((c) => [c.emailaddress1, `${String(c.firstname)} ${String(c.lastname)}`])
      .filter((value): value is string => typeof value === 'string' && value !== '');
    let histories = 0;
    for await (const execution of stack.temporal.client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}'` })) {
      const history = JSON.stringify(
        await stack.temporal.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()
      );
      for (const value of [...personal, ...secrets]) expect(history).not.toContain(value);
      histories += 1;
    }
    expect(histories).toBeGreaterThanOrEqual(3);
  });

  async function expectCampaignEqualsD365(): Promise<void> {
    const { d365, campaign, duplicates } = await contactsAndProfiles(resources);
    expect(duplicates).toEqual([]);
    expect(campaign).toEqual(d365);
  }
});
