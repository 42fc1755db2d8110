import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import { egressManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery, syncNowSignal } from '../../src/workflows/egress/messages';
import { readContacts } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { EVENT_HEADER } from '../harness/egress-stack';
import { untilQuery } from '../harness/polling';
import { CONFIG_ERROR } from '../../src/sync/failure-types';

const FILE = 'events_20260402000000_000001.csv';
const MISSING_CONTACT = '99999999-9999-4999-8999-999999999999';

/**
 * A file whose writes D365 cannot take for a systemic reason (its activity table is missing) is not archived: the
 * check before each pass finds the missing table and shows it, the file stays in place with its cursor, and the next
 * pass after the fix applies it. (A systemic refusal inside a pass fails the pass: test/contract/egress-systemic.)
 */
describe('egress: a systemic D365 failure fails the pass and keeps the file (real Temporal, sshd, simulators)', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof egressManagerWorkflow>;
  const eventsFolder = (): string => path.join(stack.sftp.root, 'd365_loads', 'exports', 'events');

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 4 },
      flows: { egress: { every: '1h' } },
      reportsSftpFolder: 'reports',
    });
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('does not start its loop while the preflight finds a problem, and names it with its configuration path', async () => {
    stack.dynamics.db.dropTable('acs_emailopen');
    try {
      const handle = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId: 'egress-preflight',
        args: [{}],
      });
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => err as Error & { cause?: Error & { type?: string } }
      );
      expect(failure?.cause?.type).toBe(CONFIG_ERROR);
      expect(failure?.cause?.message).toBe(
        'egress cannot start:\n  egress.events.open: D365 has no table acs_emailopen: create the activity table as docs/d365-solution.md describes, or set egress.events.open: false'
      );
      await expect(stack.temporal.client.workflow.getHandle('egress-preflight:pass:1').describe()).rejects.toThrow(
        /not found/i
      );
    } finally {
      stack.dynamics.db.restoreTable('acs_emailopen');
    }
  });

  it('holds the file while the click table is missing, then applies it once the table is back', async () => {
    manager = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'egress-systemic',
      args: [{}],
    });
    const idle = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    expect(idle.lastError).toBeUndefined();

    const contacts = [...(await readContacts(stack.resources)).keys()];
    const line = (id: string, type: string, contact: string): string =>
      `${id},${type},2026-04-02 00:00:00.000Z,${contact},CAMP1,DM1,Label,,${type === 'click' ? 'https://x.example/' : ''},,`;
    await mkdir(eventsFolder(), { recursive: true });
    await writeFile(
      path.join(eventsFolder(), FILE),
      [
        EVENT_HEADER,
        line('wf-send-1', 'send', contacts[0]!),
        line('wf-click-1', 'click', contacts[1]!),
        line('wf-click-2', 'click', contacts[2]!),
        line('wf-send-2', 'send', MISSING_CONTACT),
        '',
      ].join('\n')
    );
    // The table goes missing while the flow runs: the check before the next pass finds it, and no pass runs.
    stack.dynamics.db.dropTable('acs_emailclick');
    await manager.signal(syncNowSignal);
    const blocked = await untilQuery(manager, egressStatusQuery, (s) => (s.lastError ?? '').includes('acs_emailclick'));
    expect(blocked.lastError).toContain("the worker's configuration has problems");
    expect(blocked.lastError).toContain('egress.events.click: D365 has no table acs_emailclick');
    expect(blocked.passes).toBe(1);
    expect(blocked.cursor.lastFile).toBeUndefined();
    expect(await readdir(eventsFolder())).toContain(FILE);
    expect(await readdir(eventsFolder())).not.toContain('processed');

    stack.dynamics.db.restoreTable('acs_emailclick');
    await manager.signal(syncNowSignal);
    const fixed = await untilQuery(manager, egressStatusQuery, (s) => s.passes >= 2 && s.phase === 'waiting');
    expect(fixed.lastError).toBeUndefined();
    expect(fixed.cursor.lastFile).toBe(FILE);
    expect(fixed.lastPass?.counts).toMatchObject({ read: 4, rejected: 1 });
    expect(await readdir(path.join(eventsFolder(), 'processed'))).toContain(FILE);
    const clicks = [...(stack.dynamics.db.table('acs_emailclicks')?.scan() ?? [])];
    expect(clicks.map((row) => row.values.acs_eventid).sort()).toEqual(['wf-click-1', 'wf-click-2']);
    // Only the record-level refusal is reported, and the pass publishes its report (reports.sftpFolder).
    const published = await readdir(path.join(stack.sftp.root, 'd365_loads', 'reports'));
    expect(published).toHaveLength(1);
    expect(published[0]).toMatch(/^egress_egress-pass-2-[0-9a-f]{8}\.csv$/);
    const report = await readFile(path.join(stack.sftp.root, 'd365_loads', 'reports', published[0]!), 'utf8');
    expect(report).toBe(`file,line,eventId,reason\n${FILE},5,wf-send-2,the contact does not exist in D365\n`);
  });
});
