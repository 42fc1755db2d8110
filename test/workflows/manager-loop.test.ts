import { type Client, type WorkflowHandle } from '@temporalio/client';
import { egressManagerWorkflow, ingressManagerWorkflow, optOutManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery, type EgressStatus } from '../../src/workflows/egress/messages';
import { ingressStatusQuery, type IngressStatus } from '../../src/workflows/ingress/messages';
import { optOutStatusQuery, type OptOutStatus } from '../../src/workflows/optout/messages';
import { pauseSignal, resumeSignal, syncNowSignal } from '../../src/workflows/steering';
import { startFlowStack, type FlowStack, type RunningWorker } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { untilQuery } from '../harness/polling';

/**
 * The loop all three managers share, on the real dev server (the time-skipping test server is a download this machine
 * cannot make, so intervals are short instead): pause, sync now, the interval, continue-as-new after N passes, and the
 * settings read again before every pass, so that a worker restarted with a changed configuration is followed at the
 * next pass, and a configuration problem blocks only its own flow.
 */
describe('the manager loop, with the configuration changed between passes', () => {
  let stack: FlowStack;
  let worker: RunningWorker;
  const handles: WorkflowHandle[] = [];
  const suffix = Date.now().toString(36);
  const egress = { every: '1h' };
  const optOut = (mode: 'd365-to-campaign' | 'campaign-to-d365', every = '1h') => ({
    mode,
    every,
    pairs: [{ campaign: 'denyListEmail' as const, dynamics: 'donotbulkemail' }],
  });

  beforeAll(async () => {
    stack = await startFlowStack({ dynamics: { seedContacts: 5 }, flows: { egress } });
    worker = await stack.startWorker();
  });
  afterAll(async () => {
    for (const handle of handles) await handle.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  /** What an operator does after editing the file: restart the worker on it. */
  async function restartWorkerWith(flows: Parameters<FlowStack['reconfigure']>[0]): Promise<void> {
    await stack.reconfigure(flows);
    await worker.stop();
    worker = await stack.startWorker();
  }

  async function start(
    workflow: typeof egressManagerWorkflow | typeof optOutManagerWorkflow | typeof ingressManagerWorkflow,
    workflowId: string,
    input: Record<string, unknown>
  ): Promise<WorkflowHandle> {
    const handle = await stack.temporal.client.workflow.start(workflow.name, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [input],
    });
    handles.push(handle);
    return handle;
  }

  it('egress: passes at once, pauses, syncs now, and follows a changed interval at the next pass', async () => {
    const manager = await start(egressManagerWorkflow, `loop-egress-${suffix}`, {});
    const first = await untilQuery(
      manager,
      egressStatusQuery,
      (s: EgressStatus) => s.passes === 1 && s.phase === 'waiting'
    );
    expect(Date.parse(first.nextRunAt!) - Date.now()).toBeGreaterThan(50 * 60_000); // every: 1h
    const { runId } = await manager.describe();

    await manager.signal(pauseSignal);
    await untilQuery(manager, egressStatusQuery, (s: EgressStatus) => s.phase === 'paused');
    await manager.signal(syncNowSignal);
    await sleep(1_500);
    expect((await manager.query(egressStatusQuery)).passes).toBe(1);
    await manager.signal(resumeSignal);
    await untilQuery(manager, egressStatusQuery, (s: EgressStatus) => s.passes === 2 && s.phase === 'waiting');
    await sleep(1_500);
    expect((await manager.query(egressStatusQuery)).passes).toBe(2); // the interval is still 1h

    // The operator shortens the interval and restarts the worker: one "sync now", then passes every second.
    await restartWorkerWith({ egress: { every: '1s' } });
    await manager.signal(syncNowSignal);
    const later = await untilQuery(manager, egressStatusQuery, (s: EgressStatus) => s.passes >= 5, 20_000);
    expect(later.lastError).toBeUndefined();
    expect((await manager.describe()).runId).toBe(runId); // without continue-as-new
  });

  it('opt-out: continues as new after N passes with its cursors, and follows a changed mode at the next pass', async () => {
    await restartWorkerWith({ egress, optOut: optOut('d365-to-campaign', '1s') });
    const workflowId = `loop-optout-${suffix}`;
    const manager = await start(optOutManagerWorkflow, workflowId, { passesPerRun: 2 });
    const { runId } = await manager.describe();
    const third = await untilQuery(manager, optOutStatusQuery, (s: OptOutStatus) => s.passes >= 3, 30_000);
    expect(third.mode).toBe('d365-to-campaign');
    expect((await manager.describe()).runId).not.toBe(runId); // continued as new after 2 passes
    const state = await manager.query<Record<string, unknown>>('managerState');
    expect(state.deltaLink).toEqual(expect.any(String)); // the cursor went along
    expect(await passInput(stack.temporal.client, `${workflowId}:pass:3`)).toMatchObject({
      mode: 'd365-to-campaign',
      deltaLink: expect.any(String),
    });

    await restartWorkerWith({ egress, optOut: optOut('campaign-to-d365', '1s') });
    const changed = await untilQuery(
      manager,
      optOutStatusQuery,
      (s: OptOutStatus) => s.mode === 'campaign-to-d365',
      30_000
    );
    const next = await untilQuery(manager, optOutStatusQuery, (s: OptOutStatus) => s.passes > changed.passes, 30_000);
    expect(next.lastError).toBeUndefined();
    expect(await passInput(stack.temporal.client, `${workflowId}:pass:${next.passes}`)).toMatchObject({
      mode: 'campaign-to-d365',
    });
  });

  it('ingress: a retry after a configuration fix succeeds (the transfer gets the new settings)', async () => {
    // 5 contacts over a file threshold of 2, and no import workflow: the transfer is refused.
    const tooLow = contactsToProfiles(`loop-threshold-${suffix}`, {
      initialTransfer: { fileThreshold: 2, chunkRows: 2 },
    });
    await restartWorkerWith({ egress, ingress: [tooLow] });
    const manager = await start(ingressManagerWorkflow, `ingress:${tooLow.name}`, { mapping: tooLow.name });
    const failed = await untilQuery(manager, ingressStatusQuery, (s: IngressStatus) => s.phase === 'failed');
    expect(failed.lastError).toContain('initialTransfer.fileThreshold (2)');

    await restartWorkerWith({
      egress,
      ingress: [{ ...tooLow, initialTransfer: { fileThreshold: 1000, chunkRows: 2 } }],
    });
    await manager.signal(syncNowSignal); // what `acs-d365 retry` sends to a running manager
    const done = await untilQuery(manager, ingressStatusQuery, (s: IngressStatus) => s.initialTransferDone);
    expect(done.lastError).toBeUndefined();
    expect(done.phase).toBe('waiting');
  });

  it('a configuration problem after a change shows in status and blocks only its flow, until fixed', async () => {
    const healthy = contactsToProfiles(`loop-healthy-${suffix}`, { every: '1s' });
    const changing = contactsToProfiles(`loop-changing-${suffix}`);
    await restartWorkerWith({ egress, ingress: [healthy, changing] });
    const other = await start(ingressManagerWorkflow, `ingress:${healthy.name}`, { mapping: healthy.name });
    const manager = await start(ingressManagerWorkflow, `ingress:${changing.name}`, { mapping: changing.name });
    await untilQuery(manager, ingressStatusQuery, (s: IngressStatus) => s.initialTransferDone && s.phase === 'waiting');

    const broken = { ...changing, fields: [...changing.fields, { from: 'nickname', to: 'middleName' }] };
    await restartWorkerWith({ egress, ingress: [healthy, broken] });
    await manager.signal(syncNowSignal);
    const blocked = await untilQuery(manager, ingressStatusQuery, (s: IngressStatus) => s.lastError !== undefined);
    expect(blocked.lastError).toContain(
      "the worker's configuration has problems; fix it, restart the worker, then retry:\n" +
        '  ingress[1].fields[4].from: D365 table contact has no column nickname'
    );
    expect(blocked.passes).toBe(0); // no pass ran on the broken mapping
    expect((await manager.describe()).status.name).toBe('RUNNING');
    const otherBefore = (await other.query(ingressStatusQuery)).passes;
    await untilQuery(other, ingressStatusQuery, (s: IngressStatus) => s.passes > otherBefore && !s.lastError);

    await restartWorkerWith({ egress, ingress: [healthy, changing] });
    await manager.signal(syncNowSignal);
    const fixed = await untilQuery(manager, ingressStatusQuery, (s: IngressStatus) => s.passes === 1);
    expect(fixed.lastError).toBeUndefined();
  });
});

/** The input a pass workflow was started with (its first history event), as the worker decoded it. */
async function passInput(client: Client, workflowId: string): Promise<Record<string, unknown>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return JSON.parse(Buffer.from(payload?.data ?? []).toString('utf8')) as Record<string, unknown>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
