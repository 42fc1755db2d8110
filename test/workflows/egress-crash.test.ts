import { type WorkflowHandle } from '@temporalio/client';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { RECORDS_PER_CALL } from '../../src/activities/egress';
import { egressManagerWorkflow } from '../../src/workflows';
import { type EgressStatus, egressStatusQuery } from '../../src/workflows/egress/messages';
import { assertBuildIsFresh } from '../harness/cli';
import { readContacts } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { untilQuery } from '../harness/polling';

const TABLES = ['acs_emailsends', 'acs_emailopens', 'acs_emailclicks', 'acs_emailbounces'];

/** A worker SIGKILLed while it applies event files: every event still ends as exactly one activity. */
describe('egress with a worker killed mid-file', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof egressManagerWorkflow>;

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 10, faults: { latencyMs: 3 } },
      flows: { egress: { every: '1h', bounceTypes: ['hard', 'soft', 'ignored'] } },
    });
    const profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    for (const id of (await readContacts(stack.resources)).keys()) await profiles.create({ externalId: id });
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('creates exactly one activity per event id', async () => {
    // Enough for several calls: the kill lands after one call is recorded, inside the next.
    const generated = stack.campaign.exports!.generateEvents(2 * RECORDS_PER_CALL + 500);
    await stack.campaign.exports!.writeNow();
    const worker = stack.startWorkerProcess();
    manager = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'egress-crash',
      args: [{}],
    });
    await untilQuery(manager, egressStatusQuery, (s) => s.cursor.inProgress !== undefined); // one slice done, the next one running
    worker.kill('SIGKILL');
    stack.startWorkerProcess();

    const done = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 1, 150_000);
    expect(done.lastError).toBeUndefined();
    const eventIds = await eventIdsInD365();
    expect(eventIds).toHaveLength(generated);
    expect(new Set(eventIds).size).toBe(generated);
  }, 240_000);

  it('resumes every file in progress after the worker is killed while it applies several at once', async () => {
    const before = (await eventIdsInD365()).length;
    let generated = 0;
    for (let file = 0; file < 2; file++) {
      // Three slices each: both files stay in progress long enough to be caught, even under load.
      generated += stack.campaign.exports!.generateEvents(2 * RECORDS_PER_CALL + 5_000);
      await stack.campaign.exports!.writeNow();
    }
    await stack.killWorkerProcesses();
    stack.startWorkerProcess();
    manager = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'egress-crash-files',
      args: [{}],
    });
    // Both files a slice in, their second slices running.
    const inProgress = (s: EgressStatus): number =>
      Array.isArray(s.cursor.inProgress) ? s.cursor.inProgress.length : 0;
    await untilQuery(manager, egressStatusQuery, (s) => inProgress(s) === 2, 150_000);
    await stack.killWorkerProcesses();
    stack.startWorkerProcess();

    const done = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 1, 150_000);
    expect(done.lastError).toBeUndefined();
    expect(done.lastPass?.files).toBe(2);
    expect(done.cursor.inProgress).toBeUndefined();
    const eventIds = await eventIdsInD365();
    expect(eventIds).toHaveLength(before + generated);
    expect(new Set(eventIds).size).toBe(before + generated);
  }, 300_000);

  async function eventIdsInD365(): Promise<string[]> {
    const eventIds: string[] = [];
    for (const table of TABLES) {
      for await (const page of stack.resources.dynamics().readPages(table, { select: ['acs_eventid'] })) {
        eventIds.push(...page.rows.map((row) => String(row.acs_eventid)));
      }
    }
    return eventIds;
  }
});
