import { type WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { statusReportSchema } from '../../src/cli/report-schemas';
import { type ConfigInput } from '../../src/config/schema';
import { type AcsRecord } from '../../src/connectors/campaign';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { syncNowSignal } from '../../src/workflows/ingress/messages';
import { managerStateQuery } from '../../src/workflows/steering';
import { untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { campaignRecords } from '../harness/ingress-passes';

type Mapping = NonNullable<ConfigInput['ingress']>[number];

const PROGRAMS = 'lk-programs';
const MEMBERSHIPS = 'lk-memberships';
const REWARDS = 'lk-rewards';
const MAPPINGS: Mapping[] = [
  {
    name: REWARDS,
    from: 'acs_reward',
    to: 'cusReward',
    key: { from: 'acs_rewardid', to: 'rewardId' },
    fields: [
      { from: 'acs_name', to: 'label' },
      { from: 'acs_membershipid', to: 'membership', link: MEMBERSHIPS },
    ],
    every: '1h',
  },
  {
    name: MEMBERSHIPS,
    from: 'acs_membership',
    to: 'cusMembership',
    key: { from: 'acs_membershipid', to: 'membershipId' },
    fields: [
      { from: 'acs_name', to: 'label' },
      { from: 'acs_loyaltyprogramid', to: 'program', link: PROGRAMS },
    ],
    every: '1h',
  },
  {
    name: PROGRAMS,
    from: 'acs_loyaltyprogram',
    to: 'cusProgram',
    key: { from: 'acs_loyaltyprogramid', to: 'programId' },
    fields: [{ from: 'acs_name', to: 'label' }],
    every: '1h',
  },
];

/**
 * Parents before children through the managers, on real Temporal: a child mapping's initial transfer waits for its
 * parents' (whatever order the managers start in), and rows of one delta read before their parents wait in the
 * manager's state and are written by a later pass, never lost when the delta link moves.
 */
describe('ingress managers of linked custom resources, on real Temporal', () => {
  let stack: FlowStack;
  const managers = new Map<string, WorkflowHandle>();

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 0 },
      campaign: {
        customResources: [
          {
            name: 'cusProgram',
            fields: { programId: { type: 'string', maxLength: 40 }, label: { type: 'string', maxLength: 100 } },
            filters: { byProgramId: { programId_parameter: 'programId' } },
          },
          {
            name: 'cusMembership',
            fields: { membershipId: { type: 'string', maxLength: 40 }, label: { type: 'string', maxLength: 100 } },
            filters: { byMembershipId: { membershipId_parameter: 'membershipId' } },
            links: [{ field: 'program', target: 'cusProgram', cardinality: '1' }],
          },
          {
            name: 'cusReward',
            fields: { rewardId: { type: 'string', maxLength: 40 }, label: { type: 'string', maxLength: 100 } },
            filters: { byRewardId: { rewardId_parameter: 'rewardId' } },
            links: [{ field: 'membership', target: 'cusMembership', cardinality: '1' }],
          },
        ],
      },
      flows: { ingress: MAPPINGS },
    });
    await stack.startWorker();
  });
  afterAll(async () => {
    for (const manager of managers.values()) await manager.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  const d365 = () => stack.resources.dynamics();
  const records = (resource: string, key: string): Promise<Map<string, AcsRecord>> =>
    campaignRecords(stack.resources.campaign(), 'customResources', resource, key);
  const pkeyOfHref = (link: unknown): string | undefined => (link as { href?: string }).href?.split('/').pop();
  async function start(mapping: string): Promise<WorkflowHandle> {
    const handle = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId(mapping),
      args: [{ mapping }],
    });
    managers.set(mapping, handle);
    return handle;
  }
  async function chain(label: string): Promise<{ program: string; membership: string; reward: string }> {
    const program = String((await d365().create('acs_loyaltyprograms', { acs_name: `${label} program` })).id);
    const membership = String(
      (
        await d365().create('acs_memberships', {
          acs_name: `${label} membership`,
          'acs_loyaltyprogramid@odata.bind': `/acs_loyaltyprograms(${program})`,
        })
      ).id
    );
    const reward = String(
      (
        await d365().create('acs_rewards', {
          acs_name: `${label} reward`,
          'acs_membershipid@odata.bind': `/acs_memberships(${membership})`,
        })
      ).id
    );
    return { program, membership, reward };
  }
  async function expectLinked(ids: { program: string; membership: string; reward: string }): Promise<void> {
    const programs = await records('cusProgram', 'programId');
    const memberships = await records('cusMembership', 'membershipId');
    const rewards = await records('cusReward', 'rewardId');
    expect(pkeyOfHref(memberships.get(ids.membership)?.program)).toBe(programs.get(ids.program)?.PKey);
    expect(pkeyOfHref(rewards.get(ids.reward)?.membership)).toBe(memberships.get(ids.membership)?.PKey);
  }

  it("children's initial transfers wait for their parents', whatever order the managers start in", async () => {
    const first = await chain('First');
    const rewards = await start(REWARDS);
    const memberships = await start(MEMBERSHIPS);
    const waitingRewards = await untilStatus(rewards, (s) => s.lastError?.includes(`ingress:${MEMBERSHIPS}`) === true);
    expect(waitingRewards).toMatchObject({ initialTransferDone: false });
    expect(waitingRewards.lastError).toMatch(/the initial transfer waits for that of ingress:lk-memberships/);
    await untilStatus(memberships, (s) => s.lastError?.includes(`ingress:${PROGRAMS}`) === true);
    expect((await records('cusReward', 'rewardId')).size).toBe(0);
    expect((await records('cusMembership', 'membershipId')).size).toBe(0);

    // Once the parents' transfer is done, the children's follow by themselves (they look again every 15 s).
    const programs = await start(PROGRAMS);
    await untilStatus(programs, (s) => s.initialTransferDone);
    const membershipsDone = await untilStatus(
      memberships,
      (s) => s.initialTransferDone && s.phase === 'waiting',
      90_000
    );
    expect(membershipsDone.lastError).toBeUndefined();
    expect(await untilStatus(rewards, (s) => s.initialTransferDone && s.phase === 'waiting', 90_000)).toMatchObject({
      passes: 0,
    });
    await expectLinked(first);
  });

  it('a delta whose children are read before their parents: they wait in the state, and a later pass writes them', async () => {
    const second = await chain('Second');
    const rewards = managers.get(REWARDS)!;
    const memberships = managers.get(MEMBERSHIPS)!;
    const programs = managers.get(PROGRAMS)!;
    await rewards.signal(syncNowSignal);
    const rewardsWaiting = await untilStatus(rewards, (s) => s.passes === 1 && s.phase === 'waiting');
    expect(rewardsWaiting).toMatchObject({ waiting: 1, lastPass: { counts: { waiting: 1, created: 0 } } });
    // `status --json` prints it within its schema.
    const now = new Date().toISOString();
    const report = {
      generatedAt: now,
      temporal: { address: 'a', namespace: 'n', taskQueue: 't' },
      workers: [],
      flows: [{ workflowId: 'w', type: 't', flow: 'ingress', mapping: REWARDS, status: 'RUNNING', startedAt: now }],
    };
    expect(() =>
      statusReportSchema.parse({ ...report, flows: [{ ...report.flows[0], detail: rewardsWaiting }] })
    ).not.toThrow();
    await memberships.signal(syncNowSignal);
    expect(await untilStatus(memberships, (s) => s.passes === 1 && s.phase === 'waiting')).toMatchObject({
      waiting: 1,
    });
    expect((await records('cusReward', 'rewardId')).has(second.reward)).toBe(false);
    // verify counts the waiting membership as the flow's pending work when it knows the manager's waiting keys (as
    // the CLI reads them), and as missing without them.
    const waitingKeys = (await memberships.query(managerStateQuery)).waiting as string[];
    expect(waitingKeys).toEqual([second.membership]);
    await inTheNextSecond();
    const verifyMemberships = (extra: { waitingKeys?: string[] }) =>
      createActivities({ resources: stack.resources }).verifyIngress({
        mapping: MEMBERSHIPS,
        verifyId: `waiting-${Date.now()}`,
        timing: { startedAtMs: Date.now(), quietMs: 0 },
        ...extra,
      });
    expect((await verifyMemberships({})).drift).toMatchObject({ missing: 1 });
    const known = await verifyMemberships({ waitingKeys });
    expect(known.drift).toMatchObject({ missing: 0 });
    expect(known.counts).toMatchObject({ pending: 1 });

    await programs.signal(syncNowSignal);
    await untilStatus(programs, (s) => s.passes === 1 && s.phase === 'waiting');
    await memberships.signal(syncNowSignal);
    const membershipsDone = await untilStatus(memberships, (s) => s.passes === 2 && s.phase === 'waiting');
    expect(membershipsDone.waiting).toBeUndefined();
    expect(membershipsDone.lastPass?.counts).toMatchObject({ created: 1, waiting: 0 });
    await rewards.signal(syncNowSignal);
    const rewardsDone = await untilStatus(rewards, (s) => s.passes === 2 && s.phase === 'waiting');
    expect(rewardsDone.waiting).toBeUndefined();
    await expectLinked(second);
  });

  it('verify compares links by the key of the linked record, and finds a link that points elsewhere', async () => {
    const activities = createActivities({ resources: stack.resources });
    const verify = (mapping: string) =>
      activities.verifyIngress({
        mapping,
        verifyId: `links-${Date.now()}`,
        timing: { startedAtMs: Date.now(), quietMs: 0 },
      });
    await inTheNextSecond();
    for (const mapping of [MEMBERSHIPS, REWARDS]) {
      const result = await verify(mapping);
      expect(result.counts).toMatchObject({ expected: 2, agree: 2 });
      expect(result.drift).toMatchObject({ fields: 0, missing: 0 });
    }
    // A membership linked in Campaign to another program than in D365 is drift of its link field.
    const memberships = await records('cusMembership', 'membershipId');
    const programs = [...(await records('cusProgram', 'programId')).values()];
    const [id, membership] = [...memberships.entries()][0] ?? [];
    const other = programs.find((program) => program.PKey !== pkeyOfHref(membership?.program));
    await stack.resources
      .campaign()
      .resource({ api: 'customResources', name: 'cusMembership' })
      .patch(String(membership?.PKey), { program: { PKey: String(other?.PKey) } });
    await inTheNextSecond();
    const drifted = await verify(MEMBERSHIPS);
    expect(drifted.drift.fields).toBe(1);
    expect(drifted.keys).toEqual([{ key: id, category: 'fields', fields: ['program'] }]);
  });
});

/**
 * Waits into the next second, so that verify starts after the writes so far: D365 keeps `modifiedon` to the second,
 * and a change in the second verify starts in counts as changed during verify, not as drift.
 */
async function inTheNextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1_020 - (Date.now() % 1_000)));
}
