import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type IngressActivities } from '../../src/activities/ingress';
import { type ConfigInput } from '../../src/config/schema';
import { type AcsRecord } from '../../src/connectors/campaign';
import { type DynamicsClient } from '../../src/connectors/dynamics';
import { campaignRecords, runPass } from '../harness/ingress-passes';
import { startIngressStack, type IngressStack } from '../harness/ingress-stack';

type Mapping = NonNullable<ConfigInput['ingress']>[number];

const PROGRAMS: Mapping = {
  name: 'programs',
  from: 'acs_loyaltyprogram',
  to: 'cusProgram',
  key: { from: 'acs_loyaltyprogramid', to: 'programId' },
  fields: [{ from: 'acs_name', to: 'label' }],
  deletes: true,
};
const MEMBERSHIPS: Mapping = {
  name: 'memberships',
  from: 'acs_membership',
  to: 'cusMembership',
  key: { from: 'acs_membershipid', to: 'membershipId' },
  fields: [
    { from: 'acs_name', to: 'label' },
    { from: 'acs_loyaltyprogramid', to: 'program', link: 'programs' },
  ],
  deletes: true,
};
const REWARDS: Mapping = {
  name: 'rewards',
  from: 'acs_reward',
  to: 'cusReward',
  key: { from: 'acs_rewardid', to: 'rewardId' },
  fields: [
    { from: 'acs_name', to: 'label' },
    { from: 'acs_points', to: 'points' },
    { from: 'acs_membershipid', to: 'membership', link: 'memberships' },
  ],
  deletes: true,
};
const MAPPINGS = [PROGRAMS, MEMBERSHIPS, REWARDS];

/**
 * Links between custom resources through the API path, two deep (reward → membership → program): each link is
 * written as the PKey of the record the linked mapping wrote; a row whose linked record is not in Campaign yet waits
 * (never written without its link, never hidden), and is written once a later look finds it; deletes of a linked
 * record follow the Campaign link's behaviour.
 */
describe('ingress of custom resources linked to custom resources, over the API', () => {
  let stack: IngressStack;
  let d365: DynamicsClient;
  let activities: IngressActivities;
  const deltaLinks = new Map<string, string>();

  beforeAll(async () => {
    stack = await startIngressStack({
      dynamics: { seedContacts: 0 },
      customResources: [
        {
          name: 'cusProgram',
          fields: { programId: { type: 'string', maxLength: 40 }, label: { type: 'string', maxLength: 100 } },
          identificationKey: ['programId'],
          filters: { byProgramId: { programId_parameter: 'programId' } },
        },
        {
          name: 'cusMembership',
          fields: { membershipId: { type: 'string', maxLength: 40 }, label: { type: 'string', maxLength: 100 } },
          identificationKey: ['membershipId'],
          filters: { byMembershipId: { membershipId_parameter: 'membershipId' } },
          // A program that memberships link to cannot be deleted (Campaign's `define` integrity).
          links: [{ field: 'program', target: 'cusProgram', cardinality: '1', onTargetDelete: 'refuse' }],
        },
        {
          name: 'cusReward',
          fields: {
            rewardId: { type: 'string', maxLength: 40 },
            label: { type: 'string', maxLength: 100 },
            points: { type: 'integer' },
          },
          identificationKey: ['rewardId'],
          filters: { byRewardId: { rewardId_parameter: 'rewardId' } },
          // A membership's rewards go with it (`own` integrity). Cardinality `0..1`: Campaign would take a reward
          // without its membership; the flow still waits for it (memberships → programs is `1`: both are covered).
          links: [{ field: 'membership', target: 'cusMembership', cardinality: '0..1', onTargetDelete: 'delete' }],
        },
      ],
    });
    d365 = stack.dynamics.client();
    activities = stack.activities(MAPPINGS).activities;
  });
  afterAll(() => stack.close());

  const records = (resource: string, key: string): Promise<Map<string, AcsRecord>> =>
    campaignRecords(stack.campaign.client, 'customResources', resource, key);
  const pkeyOfHref = (link: unknown): string | undefined => (link as { href?: string }).href?.split('/').pop();
  const hidden = (): number =>
    ['cusProgram', 'cusMembership', 'cusReward'].reduce(
      (sum, name) => sum + (stack.campaign.sim.store.table(name)?.hidden().length ?? 0),
      0
    );

  async function program(name: string): Promise<string> {
    return String((await d365.create('acs_loyaltyprograms', { acs_name: name })).id);
  }
  async function membership(name: string, programId: string): Promise<string> {
    const body = { acs_name: name, 'acs_loyaltyprogramid@odata.bind': `/acs_loyaltyprograms(${programId})` };
    return String((await d365.create('acs_memberships', body)).id);
  }
  async function reward(name: string, membershipId: string): Promise<string> {
    const body = { acs_name: name, acs_points: 5, 'acs_membershipid@odata.bind': `/acs_memberships(${membershipId})` };
    return String((await d365.create('acs_rewards', body)).id);
  }

  it('the preflight accepts the links and refuses a link left undeclared or declared on a field that is none', async () => {
    for (const mapping of MAPPINGS) {
      await expect(activities.preflightIngress({ mapping: mapping.name })).resolves.toEqual({ problems: [] });
    }
    const undeclared: Mapping = {
      ...REWARDS,
      name: 'undeclared',
      fields: [{ from: 'acs_membershipid', to: 'membership' }],
    };
    const notALink: Mapping = {
      ...REWARDS,
      name: 'not-a-link',
      fields: [{ from: 'acs_membershipid', to: 'label', link: 'memberships' }],
    };
    const wrongTarget: Mapping = {
      ...REWARDS,
      name: 'wrong-target',
      fields: [{ from: 'acs_membershipid', to: 'membership', link: 'programs' }],
    };
    const checked = stack.activities([...MAPPINGS, undeclared, notALink, wrongTarget]).activities;
    expect((await checked.preflightIngress({ mapping: 'undeclared' })).problems).toEqual([
      {
        path: 'ingress[3].fields[0].link',
        message: 'membership links to cusMembership in Campaign; name the ingress mapping that writes cusMembership',
      },
    ]);
    expect((await checked.preflightIngress({ mapping: 'not-a-link' })).problems).toEqual([
      {
        path: 'ingress[4].fields[0].to',
        message: 'Campaign field label of cusReward is not a link to cusMembership (what mapping memberships writes)',
      },
    ]);
    expect((await checked.preflightIngress({ mapping: 'wrong-target' })).problems).toEqual([
      {
        path: 'ingress[5].fields[0].to',
        message: 'Campaign field membership of cusReward is not a link to cusProgram (what mapping programs writes)',
      },
    ]);
  });

  it('an initial transfer in link order writes each link as the PKey of its record, two links deep', async () => {
    const gold = await program('Gold');
    const alice = await membership('Alice', gold);
    const bob = await membership('Bob', gold);
    const welcome = await reward('Welcome', alice);
    for (const mapping of MAPPINGS) {
      const pass = await runPass(activities, mapping.name, 'full', `${mapping.name}-initial`);
      expect(pass.counts).toMatchObject({ rejected: 0, waiting: 0 });
      deltaLinks.set(mapping.name, pass.deltaLink);
    }
    const programs = await records('cusProgram', 'programId');
    const memberships = await records('cusMembership', 'membershipId');
    const rewards = await records('cusReward', 'rewardId');
    for (const id of [alice, bob]) expect(pkeyOfHref(memberships.get(id)?.program)).toBe(programs.get(gold)?.PKey);
    expect(pkeyOfHref(rewards.get(welcome)?.membership)).toBe(memberships.get(alice)?.PKey);
    expect(rewards.get(welcome)).toMatchObject({ label: 'Welcome', points: 5 });
  });

  it('children read before their parents in one delta wait, are counted, and are written once the parents are', async () => {
    const silver = await program('Silver');
    const carol = await membership('Carol', silver);
    const bonus = await reward('Bonus', carol);
    // The children's passes run first: nothing is written without its link, nothing is hidden.
    const rewardsPage = await activities.syncIngressPage({
      mapping: 'rewards',
      mode: 'incremental',
      link: deltaLinks.get('rewards'),
      reportId: 'rewards-pass-1',
      waitingRoom: 10,
    });
    expect(rewardsPage.counts).toMatchObject({ read: 1, created: 0, waiting: 1, rejected: 0 });
    expect(rewardsPage.waiting).toEqual([bonus]);
    const membershipsPass = await activities.syncIngressPage({
      mapping: 'memberships',
      mode: 'incremental',
      link: deltaLinks.get('memberships'),
      reportId: 'memberships-pass-1',
      waitingRoom: 10,
    });
    expect(membershipsPass.waiting).toEqual([carol]);
    expect((await records('cusMembership', 'membershipId')).has(carol)).toBe(false);
    expect((await records('cusReward', 'rewardId')).has(bonus)).toBe(false);
    expect(hidden()).toBe(0);
    // Their delta links moved on; the waiting keys are what brings them back.
    expect(rewardsPage.deltaLink).toBeDefined();

    // A look before the parent arrives changes nothing; once the program is written, the chain follows.
    const early = await activities.revisitWaitingRows({
      mapping: 'rewards',
      keys: [bonus],
      reportId: 'rewards-pass-2',
      waitingRoom: 10,
    });
    expect(early).toEqual({ counts: expect.objectContaining({ read: 1, waiting: 1 }) as object, waiting: [bonus] });
    const programsPass = await runPass(
      activities,
      'programs',
      'incremental',
      'programs-pass-1',
      deltaLinks.get('programs')
    );
    expect(programsPass.counts).toMatchObject({ created: 1 });
    const membershipsRevisit = await activities.revisitWaitingRows({
      mapping: 'memberships',
      keys: [carol],
      reportId: 'memberships-pass-2',
      waitingRoom: 10,
    });
    expect(membershipsRevisit).toEqual({
      counts: expect.objectContaining({ created: 1, waiting: 0 }) as object,
      waiting: [],
    });
    const rewardsRevisit = await activities.revisitWaitingRows({
      mapping: 'rewards',
      keys: [bonus],
      reportId: 'rewards-pass-3',
      waitingRoom: 10,
    });
    expect(rewardsRevisit.waiting).toEqual([]);
    const memberships = await records('cusMembership', 'membershipId');
    const rewards = await records('cusReward', 'rewardId');
    const programs = await records('cusProgram', 'programId');
    expect(pkeyOfHref(memberships.get(carol)?.program)).toBe(programs.get(silver)?.PKey);
    expect(pkeyOfHref(rewards.get(bonus)?.membership)).toBe(memberships.get(carol)?.PKey);
    expect(hidden()).toBe(0);
    deltaLinks.set('rewards', rewardsPage.deltaLink ?? '');
    deltaLinks.set('memberships', membershipsPass.deltaLink ?? '');
    deltaLinks.set('programs', programsPass.deltaLink);
  });

  it('past the room to wait, a row is rejected with a reason that says so, and no value', async () => {
    const bronze = await program('Bronze');
    await membership('Dan', bronze);
    await membership('Eve', bronze);
    const page = await activities.syncIngressPage({
      mapping: 'memberships',
      mode: 'incremental',
      link: deltaLinks.get('memberships'),
      reportId: 'memberships-room',
      waitingRoom: 1,
    });
    expect(page.counts).toMatchObject({ read: 2, waiting: 1, rejected: 1 });
    const report = await readFile(join(stack.reportsFolder, 'ingress', 'memberships', 'memberships-room.csv'), 'utf8');
    expect(report).toMatch(
      /program: the linked cusProgram record is not in Campaign yet, and no more records can wait/
    );
    expect(report).not.toMatch(/Dan|Eve|Bronze/);
  });

  it("a deleted parent follows the Campaign link's behaviour: its children go with it, or Campaign refuses and it is reported", async () => {
    const memberships = await records('cusMembership', 'membershipId');
    const [carol] = [...memberships.entries()].find(([, record]) => record.label === 'Carol') ?? [];
    const silver = [...(await records('cusProgram', 'programId')).entries()].find(([, r]) => r.label === 'Silver')?.[0];
    // Deleting the membership deletes its reward in Campaign too (the link's `own` behaviour).
    await d365.delete('acs_memberships', carol ?? '');
    const membershipsPass = await runPass(
      activities,
      'memberships',
      'incremental',
      'memberships-del',
      deltaLinks.get('memberships')
    );
    expect(membershipsPass.counts).toMatchObject({ deleted: 1 });
    expect([...(await records('cusReward', 'rewardId')).values()].map((r) => r.label)).not.toContain('Bonus');
    // Deleting a program others still link to is refused by Campaign: rejected and reported, the page goes on.
    const gold = [...(await records('cusProgram', 'programId')).entries()].find(([, r]) => r.label === 'Gold')?.[0];
    await d365.delete('acs_loyaltyprograms', gold ?? '');
    await d365.delete('acs_loyaltyprograms', silver ?? '');
    const programsPass = await runPass(
      activities,
      'programs',
      'incremental',
      'programs-del',
      deltaLinks.get('programs')
    );
    expect(programsPass.counts).toMatchObject({ deleted: 1, rejected: 1 });
    const programs = await records('cusProgram', 'programId');
    expect(programs.has(gold ?? '')).toBe(true);
    expect(programs.has(silver ?? '')).toBe(false);
    const report = await readFile(join(stack.reportsFolder, 'ingress', 'programs', 'programs-del.csv'), 'utf8');
    expect(report).toContain(`${gold},(record),absent,delete: (record): Campaign refused the write`);
  });
});
