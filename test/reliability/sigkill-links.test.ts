import { type WorkflowHandle } from '@temporalio/client';
import { type AcsRecord } from '../../src/connectors/campaign';
import { valuesForCreate } from '../../src/sandbox/dynamics/row-values';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, type IngressStatus } from '../../src/workflows/ingress/messages';
import { assertBuildIsFresh } from '../harness/cli';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { campaignRecords } from '../harness/ingress-passes';
import { seededRandom, seedFromEnv } from '../harness/reliability';
import { untilQuery } from '../harness/polling';

const PROGRAMS = 'kill-programs';
const MEMBERSHIPS = 'kill-memberships';
const REWARDS = 'kill-rewards';
const COUNTS = { programs: 12, memberships: 300, rewards: 300 };

/**
 * SIGKILL during a linked initial transfer: programs, memberships (by file) and rewards (by API), two links deep, their
 * managers started at once. The worker process is killed at a seeded random point of the memberships' transfer and
 * again of the rewards'; a new worker finishes. Then Campaign holds every row once, each linked to the record of its
 * D365 lookup, nothing hidden, nothing left waiting.
 */
describe('SIGKILL during the initial transfer of linked custom resources', () => {
  let stack: FlowStack;
  const managers = new Map<string, WorkflowHandle>();
  /** D365 id → the D365 id its lookup points to. */
  const programOf = new Map<string, string>();
  const membershipOf = new Map<string, string>();

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 0, faults: { latencyMs: 2 } },
      campaign: {
        signalCooldownMs: 0,
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
            links: [{ field: 'program', target: 'cusProgram', cardinality: '1' }],
          },
          {
            name: 'cusReward',
            fields: { rewardId: { type: 'string', maxLength: 40 }, label: { type: 'string', maxLength: 100 } },
            identificationKey: ['rewardId'],
            filters: { byRewardId: { rewardId_parameter: 'rewardId' } },
            links: [{ field: 'membership', target: 'cusMembership', cardinality: '1' }],
          },
        ],
        workflows: [
          {
            id: 'WKF_IMPORT_MEMBERSHIP',
            signals: { signal1: { fileNames: 'string' } },
            import: { resource: 'cusMembership', key: ['membershipId'], signal: 'signal1' },
          },
        ],
      },
      pageSize: 25,
      flows: {
        ingress: [
          {
            name: PROGRAMS,
            from: 'acs_loyaltyprogram',
            to: 'cusProgram',
            key: { from: 'acs_loyaltyprogramid', to: 'programId' },
            fields: [{ from: 'acs_name', to: 'label' }],
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
            initialTransfer: { fileThreshold: 100, chunkRows: 50, importWorkflow: 'WKF_IMPORT_MEMBERSHIP' },
          },
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
        ],
      },
    });
    stack.campaign.faults.add({ kind: 'latency', latencyMs: 3 });
    const { db } = stack.dynamics;
    const insert = (set: string, values: Record<string, string | number | null>): string => {
      const table = db.table(set);
      if (!table) throw new Error(`no ${set}`);
      const id = db.newId();
      table.insert(id, valuesForCreate(table.definition, values));
      return id;
    };
    const programs = Array.from({ length: COUNTS.programs }, (_, i) =>
      insert('acs_loyaltyprograms', { acs_name: `Program ${i}` })
    );
    const memberships = Array.from({ length: COUNTS.memberships }, (_, i) => {
      const program = programs[i % programs.length] ?? '';
      const id = insert('acs_memberships', { acs_name: `Member ${i}`, _acs_loyaltyprogramid_value: program });
      programOf.set(id, program);
      return id;
    });
    for (let i = 0; i < COUNTS.rewards; i++) {
      const membership = memberships[(i * 7) % memberships.length] ?? '';
      membershipOf.set(
        insert('acs_rewards', { acs_name: `Reward ${i}`, _acs_membershipid_value: membership }),
        membership
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const manager of managers.values()) await manager.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  const status = (mapping: string, done: (s: IngressStatus) => boolean, timeoutMs = 240_000) =>
    untilQuery(managers.get(mapping)!, ingressStatusQuery, done, timeoutMs);

  it('every row once in Campaign, linked to its record, after a kill in each child transfer', async () => {
    const random = seededRandom(seedFromEnv('SIGKILL_SEED', 'SIGKILL linked transfer'));
    stack.startWorkerProcess();
    for (const mapping of [REWARDS, MEMBERSHIPS, PROGRAMS]) {
      managers.set(
        mapping,
        await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
          taskQueue: stack.taskQueue,
          workflowId: ingressManagerId(mapping),
          args: [{ mapping }],
        })
      );
    }
    for (const [mapping, rows] of [
      [MEMBERSHIPS, COUNTS.memberships],
      [REWARDS, COUNTS.rewards],
    ] as const) {
      // Kill once this child's transfer has done a seeded share of its rows (a page or chunk in flight).
      const threshold = Math.floor(random() * rows * 0.8);
      const atKill = await status(mapping, (s) => s.transfer !== undefined && s.transfer.rowsDone >= threshold);
      await stack.killWorkerProcesses();
      process.stdout.write(`${mapping}: SIGKILL at ${atKill.transfer?.rowsDone ?? 0} of ${rows} rows\n`);
      stack.startWorkerProcess();
      const done = await status(mapping, (s) => s.initialTransferDone && s.phase === 'waiting');
      expect(done.lastError).toBeUndefined();
      expect(done.waiting).toBeUndefined();
    }

    const programs = await records('cusProgram', 'programId');
    const memberships = await records('cusMembership', 'membershipId');
    const rewards = await records('cusReward', 'rewardId');
    expect([programs.size, memberships.size, rewards.size]).toEqual([
      COUNTS.programs,
      COUNTS.memberships,
      COUNTS.rewards,
    ]);
    const programKeyOf = keyByPKey(programs);
    const membershipKeyOf = keyByPKey(memberships);
    expect([...memberships].filter(([id, m]) => programKeyOf.get(pkeyOf(m.program)) !== programOf.get(id))).toEqual([]);
    expect(
      [...rewards].filter(([id, r]) => membershipKeyOf.get(pkeyOf(r.membership)) !== membershipOf.get(id))
    ).toEqual([]);
    for (const name of ['cusProgram', 'cusMembership', 'cusReward']) {
      expect(stack.campaign.store.table(name)?.hidden()).toEqual([]);
    }
  }, 600_000);

  /** Records by key; a key met twice fails (a kill must not duplicate a record). */
  async function records(resource: string, key: string): Promise<Map<string, AcsRecord>> {
    const byKey = await campaignRecords(stack.resources.campaign(), 'customResources', resource, key);
    expect(byKey.size).toBe(stack.campaign.store.table(resource)?.size);
    return byKey;
  }
});

function pkeyOf(link: unknown): string {
  return String((link as { href?: string }).href?.split('/').pop());
}

function keyByPKey(records: Map<string, AcsRecord>): Map<string, string> {
  return new Map([...records].map(([key, record]) => [record.PKey, key]));
}
