import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { type WorkflowHandle } from '@temporalio/client';
import { createWorkerResources, type WorkerResources } from '../../src/activities';
import { createLogger } from '../../src/logging/logger';
import { egressManagerWorkflow, ingressManagerWorkflow, optOutManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, syncNowSignal } from '../../src/workflows/ingress/messages';
import { optOutStatusQuery } from '../../src/workflows/optout/messages';
import { contactsAndProfiles } from '../../test/harness/flow-compare';
import { contactsToProfiles } from '../../test/harness/mappings';
import {
  activeContactIds,
  activitiesPerEventId,
  duplicatedEventIds,
  optOutSides,
  profilesByExternalId,
  seededRandom,
} from '../../test/harness/reliability';
import { startBenchStack, type BenchStack } from '../lib/stack';
import { sleep, waitFor } from '../lib/wait';
import { SoakFaults } from './faults';
import { LagTracker } from './lag';
import { parseSoakOptions, type SoakOptions } from './options';

const MAPPING = 'soak-contacts';
const PAIRS = [{ campaign: 'denyListEmail' as const, dynamics: 'donotbulkemail' }];
const API_PAIRS = [{ campaign: 'blackListEmail', dynamics: 'donotbulkemail' }];

/**
 * The soak run: the sandbox stack (real Temporal, worker process, simulators, sshd) with all three flows every 5 s,
 * continuous changes on both sides and random faults for N minutes; then the faults stop, the flows catch up, and
 * both systems are compared in full. Prints lag percentiles per direction and exits 1 when the comparison fails.
 */
async function main(): Promise<void> {
  const options = parseSoakOptions(process.argv.slice(2));
  console.log(`soak: ${JSON.stringify(options)} (repeat with --seed ${options.seed})`);
  const stack = await startBenchStack({
    dynamics: { seedContacts: options.contacts, faults: { seed: options.seed } },
    campaign: { signalCooldownMs: 0, faultSeed: options.seed },
    flows: {
      ingress: [
        contactsToProfiles(MAPPING, {
          every: '5s',
          initialTransfer: {
            fileThreshold: Math.floor(options.contacts / 2),
            chunkRows: Math.floor(options.contacts / 4),
            importWorkflow: 'WKF_IMPORT_PROFILE',
          },
        }),
      ],
      egress: { every: '5s', bounceTypes: ['hard', 'soft', 'ignored'] },
      optOut: { mode: 'bidirectional', every: '5s', pairs: PAIRS },
    },
  });
  const resources = createWorkerResources(
    stack.config,
    {
      dynamicsClientSecret: stack.dynamics.clientSecret,
      campaignClientSecret: stack.campaign.clientSecret,
      sftpPrivateKey: stack.sftp.privateKey,
    },
    createLogger({ level: 'silent', format: 'json' })
  );
  try {
    const ok = await soak(stack, resources, options);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await resources.close();
    await stack.close();
  }
}

async function soak(stack: BenchStack, resources: WorkerResources, options: SoakOptions): Promise<boolean> {
  const temporal = stack.temporal!;
  const random = seededRandom(options.seed);
  let worker: ChildProcessWithoutNullStreams = await stack.startWorker();
  const restartWorker = async (): Promise<void> => {
    const exited = once(worker, 'exit');
    worker.kill('SIGKILL');
    await exited;
    worker = await stack.startWorker();
  };
  const start = <T>(workflow: T, workflowId: string, args: unknown[]): Promise<WorkflowHandle> =>
    temporal.client.workflow.start(workflow as never, { taskQueue: temporal.taskQueue, workflowId, args } as never);

  const started = Date.now();
  const ingress = await start(ingressManagerWorkflow, ingressManagerId(MAPPING), [{ mapping: MAPPING }]);
  await waitFor(
    'the initial transfer',
    async () => ((await ingress.query(ingressStatusQuery)).initialTransferDone ? true : undefined),
    600_000
  );
  console.log(
    `initial transfer of ${options.contacts} contacts (by file): ${((Date.now() - started) / 1000).toFixed(1)} s`
  );
  const egress = await start(egressManagerWorkflow, 'soak-egress', [{}]);
  const optOut = await start(optOutManagerWorkflow, 'soak-optout', [{}]);

  const ids = await activeContactIds(resources, options.contacts);
  const ingressPool = ids.filter((_, i) => i % 2 === 0);
  const optOutPool = ids.filter((_, i) => i % 2 === 1);
  const toCampaign = new LagTracker<string>('D365 -> Campaign (contact field edits)');
  const toD365 = new LagTracker<boolean>('Campaign -> D365 (opt-out)');
  const profiles = profilesByExternalId(resources);
  const faults = new SoakFaults(stack, options.faultRate, random, restartWorker);
  let events = 0;
  let edits = 0;
  let optOuts = 0;

  faults.start();
  const deadline = Date.now() + options.minutes * 60_000;
  for (let second = 0; Date.now() < deadline; second += 1) {
    const tickStarted = Date.now();
    edits += await editContact(resources, ingressPool, random, toCampaign, second).catch(() => 0);
    optOuts += await optOutProfile(resources, optOutPool, random, toD365).catch(() => 0);
    if (second % 2 === 0) {
      events += stack.campaign.exports!.generateEvents(40);
      await stack.campaign.exports!.writeNow();
    }
    if (second % 5 === 4) await faults.tick();
    await probe(resources, profiles, toCampaign, toD365).catch(() => undefined);
    if (second % 30 === 29)
      console.log(`${Math.round((deadline - Date.now()) / 1000)} s left; ${toCampaign.summary()}`);
    await sleep(Math.max(0, 1_000 - (Date.now() - tickStarted)));
  }

  faults.stop();
  console.log(`changes made: ${edits} contact edits, ${optOuts} Campaign opt-outs, ${events} email events`);
  console.log(faults.summary());
  const caughtUp = Date.now();
  await flushEvents(stack);
  for (
    let round = 0;
    round < 10 && (toCampaign.waiting().length > 0 || toD365.waiting().length > 0 || round < 2);
    round += 1
  ) {
    await oneRoundOfEveryFlow(ingress, egress, optOut);
    await probe(resources, profiles, toCampaign, toD365);
  }
  console.log(`catch-up after the faults stopped: ${((Date.now() - caughtUp) / 1000).toFixed(1)} s`);
  console.log(toCampaign.summary());
  console.log(toD365.summary());

  const { d365, campaign, duplicates } = await contactsAndProfiles(resources);
  const differing = d365.filter((row, i) => JSON.stringify(row) !== JSON.stringify(campaign[i])).length;
  const activities = await activitiesPerEventId(resources);
  const sides = await optOutSides(resources, API_PAIRS);
  const optOutDiffs = Object.keys(sides.d365).filter(
    (id) => JSON.stringify(sides.d365[id]) !== JSON.stringify(sides.campaign[id])
  ).length;
  const checks: [string, boolean][] = [
    [
      `contacts = profiles: ${d365.length} contacts, ${campaign.length} profiles, ${differing} differ`,
      d365.length === campaign.length && differing === 0,
    ],
    [`duplicate externalIds: ${duplicates.length}`, duplicates.length === 0],
    [`activities: ${activities.size} event ids of ${events} events`, activities.size === events],
    [
      `event ids with more than one activity: ${duplicatedEventIds(activities).length}`,
      duplicatedEventIds(activities).length === 0,
    ],
    [`opt-out pairs that differ: ${optOutDiffs} of ${Object.keys(sides.d365).length}`, optOutDiffs === 0],
    [
      `changes never seen: ${toCampaign.waiting().length + toD365.waiting().length}`,
      toCampaign.waiting().length + toD365.waiting().length === 0,
    ],
  ];
  for (const [line, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'} ${line}`);
  const ok = checks.every(([, passed]) => passed);
  console.log(ok ? 'soak: PASS' : 'soak: FAIL');
  for (const handle of [ingress, egress, optOut]) await handle.terminate('soak over').catch(() => undefined);
  return ok;
}

/** Writes the events generated so far, so that the catch-up reads them all. */
async function flushEvents(stack: BenchStack): Promise<void> {
  await stack.campaign.exports!.writeNow();
}

/** Edits one contact not already waiting to be seen; @returns 1 when an edit was made. */
async function editContact(
  resources: WorkerResources,
  pool: string[],
  random: () => number,
  tracker: LagTracker<string>,
  second: number
): Promise<number> {
  const id = pool[Math.floor(random() * pool.length)]!;
  if (tracker.has(id)) return 0;
  const firstname = `Soak${second}`;
  const madeAt = Date.now();
  await resources.dynamics().update('contacts', id, { firstname });
  tracker.add(id, firstname, madeAt);
  return 1;
}

/** Puts one more profile on the email denylist in Campaign (opt-outs only grow, so the rule's outcome is known). */
async function optOutProfile(
  resources: WorkerResources,
  pool: string[],
  random: () => number,
  tracker: LagTracker<boolean>
): Promise<number> {
  const id = pool.splice(Math.floor(random() * pool.length), 1)[0];
  if (id === undefined) return 0;
  const profiles = profilesByExternalId(resources);
  const profile = await profiles.findByKey({ externalId: id });
  if (!profile) return 0;
  const madeAt = Date.now();
  await profiles.patch(profile.PKey, { blackListEmail: true });
  tracker.add(id, true, madeAt);
  return 1;
}

/** Looks for every change still waiting in the other system. */
async function probe(
  resources: WorkerResources,
  profiles: ReturnType<typeof profilesByExternalId>,
  toCampaign: LagTracker<string>,
  toD365: LagTracker<boolean>
): Promise<void> {
  for (const change of toCampaign.waiting()) {
    const profile = await profiles.findByKey({ externalId: change.key }).catch(() => undefined);
    if (profile?.firstName === change.expected) toCampaign.seen(change.key);
  }
  for (const change of toD365.waiting()) {
    const pages = resources
      .dynamics()
      .readPages('contacts', { select: ['donotbulkemail'], filter: `contactid eq ${change.key}` });
    const row = (await pages.next().catch(() => undefined))?.value?.rows?.[0];
    if (row?.donotbulkemail === change.expected) toD365.seen(change.key);
  }
}

/** Asks every flow for a pass now and waits until each has finished one. */
async function oneRoundOfEveryFlow(
  ingress: WorkflowHandle,
  egress: WorkflowHandle,
  optOut: WorkflowHandle
): Promise<void> {
  const before = {
    ingress: (await ingress.query(ingressStatusQuery)).passes,
    egress: (await egress.query(egressStatusQuery)).passes,
    optOut: (await optOut.query(optOutStatusQuery)).passes,
  };
  await Promise.all([ingress, egress, optOut].map((handle) => handle.signal(syncNowSignal)));
  await waitFor(
    'one pass of every flow',
    async () => {
      const [i, e, o] = await Promise.all([
        ingress.query(ingressStatusQuery),
        egress.query(egressStatusQuery),
        optOut.query(optOutStatusQuery),
      ]);
      const done =
        i.passes > before.ingress &&
        i.phase === 'waiting' &&
        e.passes > before.egress &&
        e.phase === 'waiting' &&
        o.passes > before.optOut &&
        o.phase === 'waiting';
      return done ? true : undefined;
    },
    600_000
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
