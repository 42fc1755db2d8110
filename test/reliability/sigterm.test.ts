import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { type WorkflowHandle } from '@temporalio/client';
import { type temporal } from '@temporalio/proto';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId, initialTransferId } from '../../src/workflows/ingress/ids';
import { FORCE_AFTER_GRACE_MS } from '../../src/worker-shutdown';
import { ingressStatusQuery } from '../../src/workflows/ingress/messages';
import { assertBuildIsFresh } from '../harness/cli';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { profilesByExternalId } from '../harness/reliability';
import { until, untilQuery } from '../harness/polling';

const CONTACTS = 20;
const PAGE_ROWS = 10;
const PAGE_ACTIVITY = 'syncIngressPage';

/**
 * SIGTERM to a real `acs-d365 worker` process while an initial-transfer page is writing to Campaign (each profile
 * create answered slowly): the worker stops polling, lets the page finish within `worker.shutdownGraceTime` and exits
 * 0; a page that outlasts the grace time is cancelled and done again by the next worker, by key, without duplicates.
 */
describe('SIGTERM mid-page', () => {
  let stack: FlowStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });
  beforeAll(() => assertBuildIsFresh());

  it('lets the page finish, exactly once, and exits 0 within the grace time', async () => {
    const graceMs = 20_000;
    stack = await transferStack('sigterm-finish', '20s');
    const { worker, manager, mapping } = await startTransfer(stack, 'sigterm-finish', 2_000);
    await untilWriting(stack, mapping);

    const { code, elapsedMs } = await terminate(worker);
    expect(code).toBe(0);
    expect(elapsedMs).toBeLessThan(graceMs);
    // The page in flight completed on its first attempt, before the worker exited.
    const pages = await pageAttempts(stack, mapping);
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages[0]).toEqual({ attempts: [1], completed: true, failed: 0 });

    stack.startWorkerProcess();
    await untilQuery(manager, ingressStatusQuery, (s) => s.initialTransferDone, 120_000);
    expect(await pageAttempts(stack, mapping)).toEqual(
      Array.from({ length: CONTACTS / PAGE_ROWS }, () => ({ attempts: [1], completed: true, failed: 0 }))
    );
    expect(await profileKeys(stack)).toEqual({ profiles: CONTACTS, distinct: CONTACTS });
  }, 240_000);

  it('cancels a page that outlasts the grace time, exits 0, and the next worker does it again without duplicates', async () => {
    // A page of 10 rows writes 8 at once (campaign.maxConcurrentRequests), then 2: two slow rounds of 4 s.
    const slowMs = 4_000;
    stack = await transferStack('sigterm-cancel', '1s');
    const { worker, manager, mapping } = await startTransfer(stack, 'sigterm-cancel', slowMs);
    await untilWriting(stack, mapping);

    const { code, elapsedMs } = await terminate(worker);
    expect(code).toBe(0);
    // After the grace time the page starts no new row; the writes in flight settle (none outlives its attempt).
    expect(elapsedMs).toBeLessThan(2 * slowMs);
    expect((await pageAttempts(stack, mapping))[0]?.completed ?? false).toBe(false);

    stack.campaign.faults.clear();
    stack.startWorkerProcess();
    await untilQuery(manager, ingressStatusQuery, (s) => s.initialTransferDone, 120_000);
    const [first] = await pageAttempts(stack, mapping);
    expect(first?.completed).toBe(true);
    expect(first?.attempts.at(-1)).toBeGreaterThan(1);
    expect(await profileKeys(stack)).toEqual({ profiles: CONTACTS, distinct: CONTACTS });
  }, 240_000);

  it('gives up on writes still in flight 10 s after the grace time: exits 1 at once, and the next worker redoes the page', async () => {
    // One write takes longer than the grace time and the 10 s after it.
    const slowMs = 30_000;
    stack = await transferStack('sigterm-force', '1s');
    const { worker, manager, mapping } = await startTransfer(stack, 'sigterm-force', slowMs);
    await untilWriting(stack, mapping);

    const { code, elapsedMs, stderr } = await terminate(worker);
    expect(code).toBe(1);
    expect(elapsedMs).toBeGreaterThanOrEqual(1_000 + FORCE_AFTER_GRACE_MS);
    expect(elapsedMs).toBeLessThan(slowMs);
    expect(stderr).toContain('still running 10 s after the grace time');

    stack.campaign.faults.clear();
    stack.startWorkerProcess();
    await untilQuery(manager, ingressStatusQuery, (s) => s.initialTransferDone, 180_000);
    expect(await profileKeys(stack)).toEqual({ profiles: CONTACTS, distinct: CONTACTS });
  }, 300_000);
});

/** A stack whose only flow is a contact mapping transferred through the API, with the given grace time. */
function transferStack(mapping: string, shutdownGraceTime: string): Promise<FlowStack> {
  return startFlowStack({
    dynamics: { seedContacts: CONTACTS },
    pageSize: PAGE_ROWS,
    flows: { ingress: [contactsToProfiles(mapping)] },
    worker: { shutdownGraceTime },
  });
}

/** Starts a worker process and the mapping's manager; from now on each profile create is answered after `slowMs`. */
async function startTransfer(
  stack: FlowStack,
  mapping: string,
  slowMs: number
): Promise<{
  worker: ChildProcessWithoutNullStreams;
  manager: WorkflowHandle<typeof ingressManagerWorkflow>;
  mapping: string;
}> {
  stack.campaign.faults.add({ kind: 'latency', method: 'POST', path: 'profile', latencyMs: slowMs });
  const worker = stack.startWorkerProcess();
  const manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: ingressManagerId(mapping),
    args: [{ mapping }],
  });
  return { worker, manager, mapping };
}

/** Waits until the first page is writing: its activity runs and Campaign holds a profile create. */
async function untilWriting(stack: FlowStack, mapping: string): Promise<void> {
  const transfer = stack.temporal.client.workflow.getHandle(initialTransferId(mapping, 1));
  await until(
    async () => {
      const description = await transfer.describe().catch(() => undefined);
      const running = description?.raw.pendingActivities?.some(
        (activity) => activity.activityType?.name === PAGE_ACTIVITY
      );
      return (running ?? false) && stack.campaign.faults.injected.latency > 0;
    },
    60_000,
    'the first page to write to Campaign'
  );
}

/** SIGTERMs the worker and waits for it to exit. */
async function terminate(
  worker: ChildProcessWithoutNullStreams
): Promise<{ code: number | null; elapsedMs: number; stderr: string }> {
  let stderr = '';
  worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
  const sentAt = Date.now();
  worker.kill('SIGTERM');
  const code = await exited;
  return { code, elapsedMs: Date.now() - sentAt, stderr };
}

interface PageAttempts {
  /** The attempt of each recorded start (one per completion or failure). */
  attempts: number[];
  completed: boolean;
  failed: number;
}

/** Per page activity of the first transfer attempt, in order: its recorded attempts and how it ended. */
async function pageAttempts(stack: FlowStack, mapping: string): Promise<PageAttempts[]> {
  const history = await stack.temporal.client.workflow.getHandle(initialTransferId(mapping, 1)).fetchHistory();
  const events = history.events ?? [];
  const pages = new Map<string, PageAttempts>();
  const scheduledId = (event: temporal.api.history.v1.IHistoryEvent): string | undefined =>
    String(
      event.activityTaskStartedEventAttributes?.scheduledEventId ??
        event.activityTaskCompletedEventAttributes?.scheduledEventId ??
        event.activityTaskFailedEventAttributes?.scheduledEventId ??
        event.activityTaskTimedOutEventAttributes?.scheduledEventId ??
        ''
    );
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === PAGE_ACTIVITY) {
      pages.set(String(event.eventId), { attempts: [], completed: false, failed: 0 });
      continue;
    }
    const page = pages.get(scheduledId(event) ?? '');
    if (!page) continue;
    if (event.activityTaskStartedEventAttributes)
      page.attempts.push(event.activityTaskStartedEventAttributes.attempt ?? 0);
    if (event.activityTaskCompletedEventAttributes) page.completed = true;
    if (event.activityTaskFailedEventAttributes || event.activityTaskTimedOutEventAttributes) page.failed += 1;
  }
  return [...pages.values()];
}

/** How many profiles Campaign holds, and how many distinct external ids among them. */
async function profileKeys(stack: FlowStack): Promise<{ profiles: number; distinct: number }> {
  const keys: string[] = [];
  for await (const profile of profilesByExternalId(stack.resources).list({ lineCount: 100 })) {
    keys.push(String(profile.externalId));
  }
  return { profiles: keys.length, distinct: new Set(keys).size };
}
