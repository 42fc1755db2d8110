import { type WorkflowHandle } from '@temporalio/client';
import { egressManagerWorkflow, ingressManagerWorkflow, optOutManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, syncNowSignal } from '../../src/workflows/ingress/messages';
import { optOutStatusQuery } from '../../src/workflows/optout/messages';
import { contactsAndProfiles } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import {
  activeContactIds,
  activitiesPerEventId,
  duplicatedEventIds,
  optOutSides,
  profilesByExternalId,
} from '../harness/reliability';
import { untilQuery } from '../harness/polling';

const MAPPING = 'rel-api-contacts';
const PAIRS = [
  { campaign: 'denyListEmail' as const, dynamics: 'donotbulkemail' },
  { campaign: 'denyList' as const, dynamics: 'donotemail' },
];
const API_PAIRS = [
  { campaign: 'blackListEmail', dynamics: 'donotbulkemail' },
  { campaign: 'blackList', dynamics: 'donotemail' },
];

/**
 * The fault matrix's API cases, on real Temporal with both simulators and sshd: ingress (API path, deletes on),
 * egress and bidirectional opt-out run one round per fault — D365 429 storms and 5xx/resets on 20% of requests;
 * Campaign 5xx, non-JSON bodies and lost answers; IMS and Entra tokens revoked and expired mid-run; the D365 delta
 * token expired; malformed API answers. Each round changes both systems, runs all three flows, and ends with a full
 * comparison: contacts = profiles (no duplicate), one activity per event id, both opt-out sides equal.
 */
describe('API faults: every flow converges, nothing lost, nothing duplicated', () => {
  let stack: FlowStack;
  let ingress: WorkflowHandle<typeof ingressManagerWorkflow>;
  let egress: WorkflowHandle<typeof egressManagerWorkflow>;
  let optOut: WorkflowHandle<typeof optOutManagerWorkflow>;
  let active: string[];
  let eventsGenerated = 0;
  let roundNumber = 0;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 200, faults: { seed: 5 } },
      campaign: { faultSeed: 5 },
      pageSize: 40,
      flows: {
        ingress: [contactsToProfiles(MAPPING, { deletes: true })],
        egress: { every: '1h', bounceTypes: ['hard', 'soft', 'ignored'], batchSize: 50 },
        optOut: { mode: 'bidirectional', every: '1h', pairs: PAIRS },
      },
    });
    await stack.startWorker();
    ingress = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId(MAPPING),
      args: [{ mapping: MAPPING }],
    });
    await untilQuery(ingress, ingressStatusQuery, (s) => s.initialTransferDone && s.phase === 'waiting');
    egress = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'rel-api-egress',
      args: [{}],
    });
    optOut = await stack.temporal.client.workflow.start(optOutManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'rel-api-optout',
      args: [{}],
    });
    await untilQuery(optOut, optOutStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    await untilQuery(egress, egressStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    active = await activeContactIds(stack.resources, 150);
  }, 120_000);

  afterAll(async () => {
    for (const handle of [ingress, egress, optOut]) await handle?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  afterEach(() => {
    stack.dynamics.faults.reset();
    stack.campaign.faults.clear();
  });

  /**
   * Changes both systems (D365 names and flags, Campaign flags, a new event file), then runs `faulty` (which turns
   * faults on), runs one pass of every flow, and compares both systems in full.
   */
  async function round(faulty: () => void | (() => void), options: { events?: number } = {}): Promise<void> {
    roundNumber += 1;
    const ids = active.slice((roundNumber * 17) % 100, ((roundNumber * 17) % 100) + 30);
    for (const id of ids.slice(0, 20)) {
      await stack.resources.dynamics().update('contacts', id, { firstname: `Round${roundNumber}` });
    }
    for (const id of ids.slice(20, 25)) {
      await stack.resources.dynamics().update('contacts', id, { donotbulkemail: roundNumber % 2 === 0 });
    }
    const profiles = profilesByExternalId(stack.resources);
    for (const id of ids.slice(25, 30)) {
      const profile = await profiles.findByKey({ externalId: id });
      if (profile) await profiles.patch(profile.PKey, { blackList: roundNumber % 2 === 1 });
    }
    eventsGenerated += stack.campaign.exports!.generateEvents(options.events ?? 300);
    await stack.campaign.exports!.writeNow();
    const before = {
      ingress: (await ingress.query(ingressStatusQuery)).passes,
      egress: (await egress.query(egressStatusQuery)).passes,
      optOut: (await optOut.query(optOutStatusQuery)).passes,
    };

    const stopFaults = faulty();
    await Promise.all([ingress, egress, optOut].map((handle) => handle.signal(syncNowSignal)));
    const timeout = 150_000;
    const [i, e, o] = await Promise.all([
      untilQuery(ingress, ingressStatusQuery, (s) => s.passes > before.ingress && s.phase === 'waiting', timeout),
      untilQuery(egress, egressStatusQuery, (s) => s.passes > before.egress && s.phase === 'waiting', timeout),
      untilQuery(optOut, optOutStatusQuery, (s) => s.passes > before.optOut && s.phase === 'waiting', timeout),
    ]);
    if (typeof stopFaults === 'function') stopFaults();
    process.stdout.write(`api-faults round ${roundNumber}: all three passes done\n`);
    stack.dynamics.faults.reset();
    stack.campaign.faults.clear();
    expect([i.lastError, e.lastError, o.lastError]).toEqual([undefined, undefined, undefined]);
    expect(e.lastPass?.counts.rejected).toBe(0);

    const { d365, campaign, duplicates } = await contactsAndProfiles(stack.resources);
    expect(duplicates).toEqual([]);
    expect(campaign).toEqual(d365);
    const activities = await activitiesPerEventId(stack.resources);
    expect(duplicatedEventIds(activities)).toEqual([]);
    expect(activities.size).toBe(eventsGenerated);
    const sides = await optOutSides(stack.resources, API_PAIRS);
    expect(sides.campaign).toEqual(sides.d365);
  }

  it('D365: 429 storms, and 5xx or reset connections on 20% of requests', async () => {
    await round(() => {
      stack.dynamics.faults.errorRate = 0.2;
      stack.dynamics.faults.resetRate = 0.05;
      // Four storms of three 429s (Retry-After: 1 s), 4 s apart, while the flows run. (A storm queued faster than
      // the client can wait them out is a wall, not a storm: nothing could pass it.)
      let storms = 0;
      stack.dynamics.faults.throttleNext(3, 1);
      const timer = setInterval(() => {
        stack.dynamics.faults.throttleNext(3, 1);
        if (++storms === 3) clearInterval(timer);
      }, 4_000);
      return () => clearInterval(timer);
    });
    expect(stack.dynamics.requests.some((request) => request.status === 429)).toBe(true);
    expect(stack.dynamics.requests.some((request) => request.status === 503)).toBe(true);
  }, 240_000);

  it('Campaign: 5xx on 20% of requests, non-JSON bodies, and answers lost after the write', async () => {
    await round(() => {
      stack.campaign.faults.add({ kind: 'status', status: 503, probability: 0.2 });
      stack.campaign.faults.add({ kind: 'nonJson', probability: 0.1 });
      stack.campaign.faults.add({ kind: 'status', status: 502, afterProcessing: true, probability: 0.05 });
    });
    expect(stack.campaign.faults.injected.status).toBeGreaterThan(0);
    expect(stack.campaign.faults.injected.nonJson).toBeGreaterThan(0);
  }, 240_000);

  it('IMS and Entra tokens revoked and expired mid-run', async () => {
    const before = stack.dynamics.requests.filter((request) => request.status === 401).length;
    await round(
      () => {
        // Every token issued so far stops working as the passes start, and twice more while they run.
        const revokeAll = (): void => {
          stack.dynamics.tokens.revokeAll();
          stack.campaign.ims.revokeAll();
        };
        revokeAll();
        const timers = [setTimeout(() => stack.dynamics.tokens.expireAll(), 300), setTimeout(revokeAll, 700)];
        return () => timers.forEach(clearTimeout);
      },
      { events: 1_000 }
    );
    expect(stack.dynamics.requests.filter((request) => request.status === 401).length).toBeGreaterThan(before);
  }, 240_000);

  it('the D365 delta token expired, with deletes in between: full re-read, and the deleted rows go', async () => {
    const gone = active.slice(140, 150);
    for (const id of gone) await stack.resources.dynamics().delete('contacts', id);
    active = active.slice(0, 140);
    await round(() => stack.dynamics.expireDeltaTokens(), { events: 0 });
    const profiles = profilesByExternalId(stack.resources);
    for (const id of gone) expect(await profiles.findByKey({ externalId: id })).toBeUndefined();
  }, 240_000);

  it('malformed API answers: HTML, cut-off JSON and collections without value from D365, HTML from Campaign', async () => {
    await round(() => {
      stack.dynamics.faults.malformNext(2, 'non-json');
      stack.dynamics.faults.malformNext(2, 'truncated');
      stack.dynamics.faults.malformNext(2, 'missing-value');
      stack.campaign.faults.add({ kind: 'nonJson', times: 4 });
    });
    expect(stack.campaign.faults.injected.nonJson).toBeGreaterThan(0);
  }, 240_000);
});
