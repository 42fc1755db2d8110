import { readdir } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { D365_UNAVAILABLE } from '../../src/sync/failure-types';
import { type EgressStack, startEgressStack } from '../harness/egress-stack';

jest.setTimeout(60_000);

const MISSING_CONTACT = '99999999-9999-4999-8999-999999999999';

let stack: EgressStack;
let fileSeq = 0;

beforeAll(async () => {
  stack = await startEgressStack(3);
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  stack.dynamics.sim.faults.reset();
});

function nextFile(): string {
  fileSeq += 1;
  return `events_20260401000000_${String(fileSeq).padStart(6, '0')}.csv`;
}

function contact(i: number): string {
  const id = stack.contactIds[i];
  if (!id) throw new Error(`no seeded contact ${i}`);
  return id;
}

/** The failure the call threw, or a test failure when it did not throw. */
async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const outcome = await call.then(
    () => undefined,
    (err: unknown) => err
  );
  if (!(outcome instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(outcome)}`);
  return outcome;
}

/**
 * A write D365 refuses for a reason no record can fix — the table is missing, the caller may not write — fails the
 * call: nothing goes to the rejects report, so the pass does not go on and archive the file as if it were applied.
 */
describe('egress: systemic D365 refusals fail the call (real sshd, D365 simulator)', () => {
  it('a missing activity table fails the call, names the table, rejects nothing; after the fix the file applies', async () => {
    const activities = stack.activities({});
    const file = nextFile();
    await stack.writeEventFile(file, [
      { eventId: 'sys-send-1', eventType: 'send', externalId: contact(0) },
      { eventId: 'sys-click-1', eventType: 'click', externalId: contact(1) },
      { eventId: 'sys-click-2', eventType: 'click', externalId: contact(2) },
    ]);
    stack.dynamics.sim.db.dropTable('acs_emailclick');
    let failure: ApplicationFailure;
    try {
      failure = await failureOf(activities.applyEventFile({ file, fromLine: 2, reportId: 'sys-missing-table' }));
    } finally {
      stack.dynamics.sim.db.restoreTable('acs_emailclick');
    }
    expect(failure.type).toBe(D365_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/PATCH acs_emailclicks answered HTTP 404 0x80060888: Resource not found/);
    expect(failure.message).not.toContain('sys-click');
    expect(await stack.rejects('sys-missing-table')).toEqual([]);

    // The table is back (the solution imported): the same call writes every event, the send once.
    const retried = await activities.applyEventFile({ file, fromLine: 2, reportId: 'sys-missing-table' });
    expect(retried.counts).toMatchObject({ read: 3, rejected: 0 });
    expect(retried.counts.created + retried.counts.duplicates).toBe(3);
    expect(stack.rows('acs_emailclicks').filter((row) => String(row.acs_eventid).startsWith('sys-click'))).toHaveLength(
      2
    );
    expect(stack.rows('acs_emailsends').filter((row) => row.acs_eventid === 'sys-send-1')).toHaveLength(1);
    expect(await stack.rejects('sys-missing-table')).toEqual([]);
  });

  it.each([401, 403])('a $batch answered %i fails the call and rejects nothing', async (status) => {
    const activities = stack.activities({});
    const file = nextFile();
    await stack.writeEventFile(file, [{ eventId: `sys-auth-${status}`, eventType: 'send', externalId: contact(0) }]);
    stack.dynamics.sim.faults.failNext(20, status);
    const failure = await failureOf(activities.applyEventFile({ file, fromLine: 2, reportId: `sys-${status}` }));
    expect(failure.type).toBe(D365_UNAVAILABLE);
    expect(failure.message).toContain(`HTTP ${status}`);
    expect(await stack.rejects(`sys-${status}`)).toEqual([]);
    expect(stack.rows('acs_emailsends').some((row) => row.acs_eventid === `sys-auth-${status}`)).toBe(false);
  });

  it('a record-level refusal (unknown contact) still goes to the rejects report while the file goes on', async () => {
    const activities = stack.activities({});
    const file = nextFile();
    await stack.writeEventFile(file, [
      { eventId: 'sys-rec-1', eventType: 'send', externalId: MISSING_CONTACT },
      { eventId: 'sys-rec-2', eventType: 'send', externalId: contact(0) },
    ]);
    const result = await activities.applyEventFile({ file, fromLine: 2, reportId: 'sys-record' });
    expect(result.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(await stack.rejects('sys-record')).toEqual([
      'file,line,eventId,reason',
      `${file},2,sys-rec-1,the contact does not exist in D365`,
    ]);
    expect(await readdir(stack.eventsDir)).toContain(file);
  });
});
