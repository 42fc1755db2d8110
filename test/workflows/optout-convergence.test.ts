import { type WorkflowHandle } from '@temporalio/client';
import { ingressManagerWorkflow, optOutManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery } from '../../src/workflows/ingress/messages';
import { optOutStatusQuery, syncNowSignal, type OptOutStatus } from '../../src/workflows/optout/messages';
import { managerStateQuery } from '../../src/workflows/steering';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { optOutSides, profilesByExternalId } from '../harness/reliability';
import { untilQuery } from '../harness/polling';

const PAIRS = [
  { campaign: 'denyListEmail', dynamics: 'donotbulkemail' },
  { campaign: 'denyList', dynamics: 'donotemail' },
] as const;
const API_PAIRS = [
  { campaign: 'blackListEmail', dynamics: 'donotbulkemail' },
  { campaign: 'blackList', dynamics: 'donotemail' },
];

/**
 * The opt-out flow and ingress share contacts and neither waits for the other (the sandbox starts every flow at once;
 * a deployment may run them as separate processes): an opt-out set in D365 before ingress wrote the profile must reach
 * Campaign once the profile exists.
 */
async function startStack(
  mode: 'd365-to-campaign' | 'campaign-to-d365' | 'bidirectional',
  seedContacts: number
): Promise<FlowStack> {
  const stack = await startFlowStack({
    dynamics: { seedContacts },
    pageSize: 50,
    flows: {
      ingress: [contactsToProfiles('contacts')],
      optOut: { mode, every: '1h', pairs: [...PAIRS] },
    },
  });
  await stack.startWorker();
  return stack;
}

/** Contacts created in D365 with donotbulkemail = true (as a web form's "do not email" would). */
async function createOptedOutContacts(stack: FlowStack, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const created = await stack.resources.dynamics().create('contacts', {
      lastname: `Early ${index}`,
      emailaddress1: `early.${index}@example.com`,
      donotbulkemail: true,
    });
    ids.push(String(created.id));
  }
  return ids;
}

function startOptOut(stack: FlowStack): Promise<WorkflowHandle<typeof optOutManagerWorkflow>> {
  return stack.temporal.client.workflow.start(optOutManagerWorkflow, {
    taskQueue: stack.taskQueue,
    // Not `optout`: other suites start that id on the shared dev server at the same time.
    workflowId: `optout-convergence-${stack.taskQueue}`,
    args: [{}],
  });
}

function startIngress(stack: FlowStack): Promise<WorkflowHandle<typeof ingressManagerWorkflow>> {
  return stack.temporal.client.workflow.start(ingressManagerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: ingressManagerId('contacts'),
    args: [{ mapping: 'contacts' }],
  });
}

async function nextPass(handle: WorkflowHandle, after: number): Promise<OptOutStatus> {
  await handle.signal(syncNowSignal);
  return untilQuery(handle, optOutStatusQuery, (s) => s.passes > after && s.phase === 'waiting');
}

describe.each(['d365-to-campaign', 'bidirectional'] as const)('opt-out %s, before and beside ingress', (mode) => {
  let stack: FlowStack;
  const handles: WorkflowHandle[] = [];

  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('brings opt-outs set before the profiles existed to Campaign: ingress on create, the opt-out flow on its next pass', async () => {
    stack = await startStack(mode, 20);
    const early = await createOptedOutContacts(stack, 10);
    const optOut = await startOptOut(stack);
    handles.push(optOut);
    const first = await untilQuery(optOut, optOutStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    expect(first.lastError).toBeUndefined();
    expect(first.lastPass?.counts).toMatchObject({ read: 30, applied: 0, missing: 30, outOfScope: 0 });
    expect((await optOut.query(managerStateQuery)).pendingContacts).toHaveLength(30);

    // Half the profiles come from elsewhere (another tool, keyed by the contact id) before ingress runs.
    const [elsewhere, byIngress] = [early.slice(0, 5), early.slice(5)];
    const profiles = profilesByExternalId(stack.resources);
    for (const id of elsewhere) await profiles.create({ externalId: id });
    const ingress = await startIngress(stack);
    handles.push(ingress);
    await untilQuery(ingress, ingressStatusQuery, (s) => s.initialTransferDone);
    let sides = await optOutSides(stack.resources, API_PAIRS);
    for (const id of byIngress) expect(sides.campaign[id]).toEqual([true, false]);
    for (const id of elsewhere) expect(sides.campaign[id]).toEqual([false, false]);

    const second = await nextPass(optOut, first.passes);

    expect(second.lastError).toBeUndefined();
    expect(second.lastPass?.counts).toMatchObject({ applied: 5, missing: 0, rejected: 0 });
    sides = await optOutSides(stack.resources, API_PAIRS);
    expect(Object.keys(sides.campaign)).toHaveLength(30);
    expect(sides.campaign).toEqual(sides.d365);
    for (const id of early) expect(sides.campaign[id]).toEqual([true, false]);
    expect((await optOut.query(managerStateQuery)).pendingContacts).toBeUndefined();
    // What the flows wrote does not come back as a change.
    expect((await nextPass(optOut, second.passes)).lastPass?.counts).toMatchObject({ applied: 0, missing: 0 });
  });

  it('converges with every flow started at once, contacts opted out while the initial transfer runs', async () => {
    stack = await startStack(mode, 400);
    const [optOut, ingress] = await Promise.all([startOptOut(stack), startIngress(stack)]);
    handles.push(optOut, ingress);
    const early = await createOptedOutContacts(stack, 10);
    await untilQuery(ingress, ingressStatusQuery, (s) => s.initialTransferDone);
    await untilQuery(optOut, optOutStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    // The contacts made during the transfer: an incremental ingress pass writes those it did not read.
    await ingress.signal(syncNowSignal);
    await untilQuery(ingress, ingressStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');

    const passes = (await optOut.query(optOutStatusQuery)).passes;
    const last = await nextPass(optOut, passes);

    expect(last.lastError).toBeUndefined();
    const sides = await optOutSides(stack.resources, API_PAIRS);
    expect(Object.keys(sides.campaign)).toHaveLength(410);
    expect(sides.campaign).toEqual(sides.d365);
    for (const id of early) expect(sides.campaign[id]).toEqual([true, false]);
  });
});

describe('opt-out with more contacts without a profile than a pass keeps', () => {
  let stack: FlowStack;
  const handles: WorkflowHandle[] = [];

  afterAll(async () => {
    for (const handle of handles) await handle.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('forgets its delta link instead, and the next pass reads every contact again', async () => {
    stack = await startStack('d365-to-campaign', 1_050);
    const optOut = await startOptOut(stack);
    handles.push(optOut);
    const first = await untilQuery(optOut, optOutStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    expect(first.lastError).toBeUndefined();
    expect(first.lastPass?.counts).toMatchObject({ read: 1_050, missing: 1_050 });
    const state = await optOut.query(managerStateQuery);
    expect(state.pendingContacts).toBeUndefined();
    expect(state.deltaLink).toBeUndefined();

    const ingress = await startIngress(stack);
    handles.push(ingress);
    await untilQuery(ingress, ingressStatusQuery, (s) => s.initialTransferDone, 120_000);
    const second = await nextPass(optOut, first.passes);

    expect(second.lastError).toBeUndefined();
    expect(second.lastPass?.counts).toMatchObject({ read: 1_050, missing: 0 });
    const sides = await optOutSides(stack.resources, API_PAIRS);
    expect(Object.keys(sides.campaign)).toHaveLength(1_050);
    expect(sides.campaign).toEqual(sides.d365);
    expect((await optOut.query(managerStateQuery)).deltaLink).toEqual(expect.any(String));
  });
});

describe('opt-out campaign-to-d365 beside ingress', () => {
  let stack: FlowStack;
  let ingress: WorkflowHandle<typeof ingressManagerWorkflow> | undefined;

  afterAll(async () => {
    await ingress?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('creates and updates profiles without their opt-out attributes: Campaign is the master of those', async () => {
    stack = await startStack('campaign-to-d365', 0);
    const [optedOut, later] = await createOptedOutContacts(stack, 2);
    ingress = await startIngress(stack);
    await untilQuery(ingress, ingressStatusQuery, (s) => s.initialTransferDone);
    await stack.resources.dynamics().update('contacts', later!, { donotemail: true, lastname: 'Renamed' });
    await ingress.signal(syncNowSignal);
    await untilQuery(ingress, ingressStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');

    const profiles = profilesByExternalId(stack.resources);
    expect(await profiles.findByKey({ externalId: optedOut! })).toMatchObject({ blackListEmail: false });
    expect(await profiles.findByKey({ externalId: later! })).toMatchObject({
      lastName: 'Renamed',
      blackListEmail: false,
      blackList: false,
    });
  });
});
