import { createReadStream } from 'node:fs';
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { parseCsv } from '../../src/sandbox/campaign';
import { egressManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery, syncNowSignal } from '../../src/workflows/egress/messages';
import { readContacts } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { untilQuery } from '../harness/polling';

const TABLES = { send: 'acs_emailsends', open: 'acs_emailopens', click: 'acs_emailclicks', bounce: 'acs_emailbounces' };

/** Campaign email events → D365 Timeline activities through the egress manager, on real Temporal and sshd. */
describe('egress on real Temporal with both simulators and sshd', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof egressManagerWorkflow>;
  const eventsFolder = (): string => path.join(stack.sftp.root, 'd365_loads', 'exports', 'events');

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 12 },
      flows: { egress: { every: '1h', followUpTasks: { click: true, bounce: true } } },
    });
    // Profiles for the contacts, as ingress would have made them: events are exported for profiles with an externalId.
    const profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    for (const id of (await readContacts(stack.resources)).keys()) await profiles.create({ externalId: id });
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('turns every switched-on event into one activity on the contact, and a replayed file adds none', async () => {
    stack.campaign.exports!.generateEvents(60);
    const { eventsFile } = await stack.campaign.exports!.writeNow();
    expect(eventsFile).toBeDefined();
    const expected = await expectedActivities(path.join(eventsFolder(), path.basename(eventsFile!)));

    manager = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'egress',
      args: [{}],
    });
    const first = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 1);
    expect(first.lastError).toBeUndefined();
    expect(first.lastPass?.counts).toMatchObject({ created: expected.total, rejected: 0 });
    expect(await activityCounts()).toEqual(expected.byType);
    expect(await readdir(path.join(eventsFolder(), 'processed'))).toContain(path.basename(eventsFile!));

    // The same events exported again (a re-run of the Campaign export): nothing new on the Timeline.
    await copyFile(
      path.join(eventsFolder(), 'processed', path.basename(eventsFile!)),
      path.join(eventsFolder(), 'events_29991231235959_000001.csv')
    );
    await manager.signal(syncNowSignal);
    const second = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 2);
    expect(second.lastPass?.counts).toMatchObject({ created: 0, duplicates: expected.total });
    expect(await activityCounts()).toEqual(expected.byType);
    expect(second.cursor.lastFile).toBe('events_29991231235959_000001.csv');
  });

  async function activityCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const [type, entitySet] of Object.entries(TABLES)) {
      counts[type] = 0;
      for await (const page of stack.resources.dynamics().readPages(entitySet, { select: ['activityid'] }))
        counts[type] += page.rows.length;
    }
    return counts;
  }
});

/** Events per type that should become activities: every send, open and click, and hard bounces only (the default). */
async function expectedActivities(file: string): Promise<{ byType: Record<string, number>; total: number }> {
  const byType: Record<string, number> = { send: 0, open: 0, click: 0, bounce: 0 };
  let columns: string[] | undefined;
  for await (const record of parseCsv(createReadStream(file))) {
    if (!columns) {
      columns = record;
      continue;
    }
    const event = Object.fromEntries(columns.map((name, index) => [name, record[index] ?? '']));
    if (event.eventType === 'bounce' && event.bounceType !== 'Hard') continue;
    byType[event.eventType!] = (byType[event.eventType!] ?? 0) + 1;
  }
  return { byType, total: Object.values(byType).reduce((a, b) => a + b, 0) };
}
