import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { egressManagerWorkflow } from '../../src/workflows';
import { type EgressCursor, egressStatusQuery } from '../../src/workflows/egress/messages';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { untilQuery } from '../harness/polling';

const TABLES = ['acs_emailsends', 'acs_emailopens', 'acs_emailclicks', 'acs_emailbounces'];
const HEADER =
  'eventId,eventType,eventDate,externalId,campaignId,deliveryId,deliveryLabel,mirrorPageUrl,trackingUrl,bounceType,bounceReason';
const EventType = temporal.api.enums.v1.EventType;

/** Event files applied several at once (`egress.filesInParallel`), on real Temporal, sshd and the D365 simulator. */
describe('egress with several event files at once', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof egressManagerWorkflow> | undefined;
  const folder = (): string => path.join(stack.sftp.root, 'd365_loads', 'exports', 'events');

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 6, faults: { latencyMs: 2 } },
      flows: { egress: { every: '1h', filesInParallel: 3 } },
    });
    await stack.startWorker();
  });

  afterEach(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    manager = undefined;
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('applies good files at once, each event exactly once, and sets a bad one among them aside', async () => {
    const files = [1, 2, 4, 5].map((n) => `events_20260101000000_00000${n}.csv`);
    const written = [];
    for (const [index, name] of files.entries()) written.push(...(await writeEvents(name, `a${index}`, 40)));
    const bad = 'events_20260101000000_000003.csv';
    await writeFile(path.join(folder(), bad), 'eventId,colour\nx1,blue\n');

    manager = await startManager('egress-parallel', {});
    const done = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 1, 120_000);

    expect(done.lastError).toBeUndefined();
    expect(done.lastPass).toMatchObject({ files: 5, counts: { created: written.length } });
    expect(done.cursor.inProgress).toBeUndefined();
    expect(done.skippedFiles?.map((note) => note.file)).toEqual([bad]);
    expect((await readdir(path.join(folder(), 'processed'))).sort()).toEqual(files);
    expect(await readdir(path.join(folder(), 'rejected'))).toEqual([bad]);
    expect((await eventIdsInD365()).sort()).toEqual([...written].sort());
    // The pass had several files' slices out at the same time, up to the setting.
    expect(await mostSlicesAtOnce('egress-parallel:pass:1')).toBe(3);
  }, 180_000);

  it('resumes every file in progress at its own line, from a cursor of this version or of the one before', async () => {
    const [a, b, c] = ['events_20260202000000_000001.csv', 'events_20260202000000_000002.csv'].concat(
      'events_20260202000000_000003.csv'
    ) as [string, string, string];
    const inA = await writeEvents(a, 'b0', 10);
    const inB = await writeEvents(b, 'b1', 10);
    const inC = await writeEvents(c, 'b2', 10);
    const before = new Set(await eventIdsInD365());
    // A worker stopped while it had applied A up to line 5 (the header is line 1) and B up to line 9.
    const cursor: EgressCursor = {
      inProgress: [
        { file: a, nextLine: 6 },
        { file: b, nextLine: 10 },
      ],
    };

    manager = await startManager('egress-resume', { cursor });
    const done = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 1, 120_000);

    expect(done.lastError).toBeUndefined();
    expect(done.lastPass).toMatchObject({ files: 3 });
    expect(done.cursor.inProgress).toBeUndefined();
    const added = (await eventIdsInD365()).filter((id) => !before.has(id)).sort();
    expect(added).toEqual([...inA.slice(4), ...inB.slice(8), ...inC].sort());

    // A cursor written by the version that applied one file at a time (one object) resumes too.
    const d = 'events_20260202000000_000004.csv';
    const inD = await writeEvents(d, 'b3', 10);
    const legacy = { lastFile: c, inProgress: { file: d, nextLine: 9 } } as unknown as EgressCursor;
    manager = await startManager('egress-resume-legacy', { cursor: legacy });
    const resumed = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 1, 120_000);
    expect(resumed.lastError).toBeUndefined();
    expect(resumed.cursor).toEqual({ lastFile: d });
    const addedNow = (await eventIdsInD365()).filter((id) => !before.has(id) && !added.includes(id));
    expect(addedNow.sort()).toEqual(inD.slice(7).sort());
  }, 180_000);

  it('reports a file in progress that vanished, and takes one archived meanwhile as done', async () => {
    const archived = 'events_20260303000000_000001.csv';
    await mkdir(path.join(folder(), 'processed'), { recursive: true });
    await writeFile(path.join(folder(), 'processed', archived), `${HEADER}\n`);
    const vanished = 'events_20260303000000_000002.csv';
    const cursor: EgressCursor = {
      inProgress: [
        { file: archived, nextLine: 3 },
        { file: vanished, nextLine: 7 },
      ],
    };
    manager = await startManager('egress-gone', { cursor });
    const done = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 1, 120_000);
    expect(done.lastError).toBeUndefined();
    expect(done.cursor).toEqual({ lastFile: archived });
    expect(done.skippedFiles).toEqual([
      expect.objectContaining({ file: vanished, reason: expect.stringMatching(/vanished/) }),
    ]);
  }, 120_000);

  function startManager(
    workflowId: string,
    state: { cursor?: EgressCursor }
  ): Promise<WorkflowHandle<typeof egressManagerWorkflow>> {
    return stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [Object.keys(state).length > 0 ? { state } : {}],
    });
  }

  /** Writes `count` send/open/click events of the seeded contacts; returns their event ids, in line order. */
  async function writeEvents(name: string, prefix: string, count: number): Promise<string[]> {
    await mkdir(folder(), { recursive: true });
    const contacts = [...(stack.dynamics.db.table('contacts')?.scan() ?? [])].map((row) => row.id);
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
    const lines = ids.map((id, i) =>
      [id, ['send', 'open', 'click'][i % 3], '2026-03-04 05:06:07.000Z', contacts[i % contacts.length], 'CAMP1']
        .concat(['DM1', 'Newsletter', 'https://mirror.example.com/m/1', 'https://www.example.com/o', '', ''])
        .join(',')
    );
    await writeFile(path.join(folder(), name), `${[HEADER, ...lines].join('\n')}\n`);
    return ids;
  }

  async function eventIdsInD365(): Promise<string[]> {
    const ids: string[] = [];
    for (const table of TABLES) {
      for await (const page of stack.resources.dynamics().readPages(table, { select: ['acs_eventid'] })) {
        ids.push(...page.rows.map((row) => String(row.acs_eventid)));
      }
    }
    return ids;
  }

  /** The most `applyEventFile` calls of a pass that were scheduled and not yet closed at the same time. */
  async function mostSlicesAtOnce(passId: string): Promise<number> {
    const history = await stack.temporal.client.workflow.getHandle(passId).fetchHistory();
    const open = new Set<string>();
    let most = 0;
    for (const event of history.events ?? []) {
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        if (event.activityTaskScheduledEventAttributes?.activityType?.name !== 'applyEventFile') continue;
        open.add(String(event.eventId));
        most = Math.max(most, open.size);
      }
      const closed =
        event.activityTaskCompletedEventAttributes?.scheduledEventId ??
        event.activityTaskFailedEventAttributes?.scheduledEventId ??
        event.activityTaskTimedOutEventAttributes?.scheduledEventId;
      if (closed !== undefined && closed !== null) open.delete(String(closed));
    }
    return most;
  }
});
