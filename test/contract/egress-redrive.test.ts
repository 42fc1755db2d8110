import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EgressStack, startEgressStack } from '../harness/egress-stack';

const LATE_CONTACT = '99999999-9999-4999-8999-99999999aaaa';
const FILE = 'events_20260305050607_000001.csv';

/** Re-driving egress rejects after a fix: the listed lines only, from the archived file, keyed by event id. */
describe('egress re-drive (real sshd, both simulators)', () => {
  let stack: EgressStack;
  beforeAll(async () => {
    stack = await startEgressStack(3);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('applies the rejected lines again once the contact exists, and nothing else; a second re-drive duplicates nothing', async () => {
    const activities = stack.activities({});
    const known = stack.contactIds[0] ?? '';
    await stack.writeEventFile(FILE, [
      { eventId: 'send-r1', eventType: 'send', externalId: known },
      { eventId: 'send-r2', eventType: 'send', externalId: LATE_CONTACT },
      'send-r3,send,not a date,' + known + ',CAMP1,DM1,,,,,',
    ]);
    const first = await activities.applyEventFile({ file: FILE, fromLine: 2, reportId: 'pass-1' });
    expect(first.counts).toMatchObject({ read: 3, created: 1, rejected: 2 });
    await activities.settleEventFile({ file: FILE, as: 'processed' });

    await stack.d365.create('contacts', { contactid: LATE_CONTACT, lastname: 'Late' });
    const redriven = await activities.redriveEgressRejects({ report: 'pass-1.csv', reportId: 'redrive-1' });
    expect(redriven).toEqual({
      lines: 2,
      wholeFile: 0,
      counts: expect.objectContaining({ read: 2, created: 1, duplicates: 0, rejected: 1 }) as unknown,
    });
    const sends = stack.rows('acs_emailsends').filter((row) => String(row.acs_eventid).startsWith('send-r'));
    expect(sends.map((row) => row.acs_eventid).sort()).toEqual(['send-r1', 'send-r2']);
    // The malformed line is still malformed: it is in the new report, and the old one is marked re-driven.
    expect(await stack.rejects('redrive-1')).toEqual([
      'file,line,eventId,reason',
      `${FILE},4,send-r3,eventDate is not a date-time`,
    ]);
    await expect(access(join(stack.reportsFolder, 'egress', 'pass-1.csv.redriven'))).resolves.toBeUndefined();
    await expect(access(join(stack.reportsFolder, 'egress', 'pass-1.csv'))).rejects.toThrow();

    // A retried activity finds the report renamed and applies it again: keyed by event id, nothing doubles.
    const again = await activities.redriveEgressRejects({ report: 'pass-1.csv', reportId: 'redrive-2' });
    expect(again.counts).toMatchObject({ created: 0, duplicates: 1, rejected: 1 });
    expect(stack.rows('acs_emailsends').filter((row) => row.acs_eventid === 'send-r2')).toHaveLength(1);
  });

  it('counts whole-file lines without re-driving them, and refuses a report path', async () => {
    const activities = stack.activities({});
    const headless = 'events_20260305050607_000002.csv';
    await writeFile(join(stack.eventsDir, headless), 'foo,bar\n1,2\n');
    const applied = await activities.applyEventFile({ file: headless, fromLine: 2, reportId: 'pass-2' });
    expect(applied.counts.rejected).toBe(1);
    await expect(activities.redriveEgressRejects({ report: 'pass-2.csv', reportId: 'redrive-3' })).resolves.toEqual({
      lines: 0,
      wholeFile: 1,
      counts: expect.objectContaining({ read: 0 }) as unknown,
    });
    await expect(activities.redriveEgressRejects({ report: '../x.csv', reportId: 'r' })).rejects.toThrow('not a path');
  });
});
