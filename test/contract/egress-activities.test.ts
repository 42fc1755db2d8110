import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RECORDS_PER_CALL } from '../../src/activities/egress';
import { followUpTaskId } from '../../src/sync/egress';
import { type EgressStack, startEgressStack } from '../harness/egress-stack';
import { EGRESS_INVALID_INPUT, EVENT_FILE_INCOMPLETE } from '../../src/sync/failure-types';

jest.setTimeout(60_000);

const OWNER = '11111111-2222-4333-8444-555555555555';
const MISSING_CONTACT = '99999999-9999-4999-8999-999999999999';

let stack: EgressStack;
let fileSeq = 0;

beforeAll(async () => {
  stack = await startEgressStack(6);
  stack.dynamics.sim.db.addSystemUser(OWNER, 'Marketing app');
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  stack.dynamics.sim.faults.reset();
});

/** A fresh event file name, later than every earlier one. */
function nextFile(gzip = false): string {
  fileSeq += 1;
  return `events_20260304050607_${String(fileSeq).padStart(6, '0')}.csv${gzip ? '.gz' : ''}`;
}

/** Applies a whole file, call after call, as the workflow does. */
async function applyAll(
  activities: ReturnType<EgressStack['activities']>,
  file: string,
  reportId: string
): Promise<{ calls: number; created: number; duplicates: number; rejected: number; tasks: number; skipped: number }> {
  const total = { calls: 0, created: 0, duplicates: 0, rejected: 0, tasks: 0, skipped: 0 };
  let from: { fromLine: number; fromByte?: number } | undefined = { fromLine: 2 };
  while (from !== undefined) {
    const result = await activities.applyEventFile({ file, ...from, reportId });
    total.calls += 1;
    total.created += result.counts.created;
    total.duplicates += result.counts.duplicates;
    total.rejected += result.counts.rejected;
    total.tasks += result.counts.tasks;
    total.skipped += result.counts.skipped;
    from = result.nextLine === undefined ? undefined : { fromLine: result.nextLine, fromByte: result.nextByte };
  }
  return total;
}

function contact(i: number): string {
  const id = stack.contactIds[i];
  if (!id) throw new Error(`no seeded contact ${i}`);
  return id;
}

describe('egress activities (real sshd, both simulators)', () => {
  it('lists every complete event file with its size and time, in order, and archives idempotently', async () => {
    const activities = stack.activities({});
    const first = nextFile();
    const second = nextFile(true);
    await stack.writeEventFile(second, []);
    await stack.writeEventFile(first, []);
    await stack.writeEventFile(`${nextFile()}.part`, []);
    await stack.writeEventFile('notes.csv', []);

    const all = (await activities.listEventFiles({})).files.map((file) => file.name);
    expect(all).toEqual(expect.arrayContaining([first, second]));
    expect(all.indexOf(first)).toBeLessThan(all.indexOf(second));
    expect(all.some((name) => name.endsWith('.part') || name === 'notes.csv')).toBe(false);
    const listed = (await activities.listEventFiles({})).files.find((file) => file.name === first);
    expect(listed).toEqual({ name: first, size: expect.any(Number), modifiedAt: expect.any(Number) });

    const version = { size: listed!.size, modifiedAt: listed!.modifiedAt };
    expect(await activities.settleEventFile({ file: first, as: 'processed', version })).toEqual({});
    expect(await activities.settleEventFile({ file: first, as: 'processed', version })).toEqual({});
    expect(await readdir(join(stack.eventsDir, 'processed'))).toContain(first);
    const names = (await activities.listEventFiles({ inProgress: first })).files.map((file) => file.name);
    expect(names).not.toContain(first);
    // Several files in progress: the archived one is named, one never seen (vanished) and one still listed are not.
    expect(
      await activities.listEventFiles({ inProgress: [second, first, 'events_19990101000000_000001.csv'] })
    ).toEqual({ files: expect.any(Array), archived: [first] });
    // A call scheduled by an earlier version (one name) gets the answer that version reads too.
    expect(await activities.listEventFiles({ inProgress: first })).toMatchObject({
      archived: [first],
      inProgressArchived: true,
    });
    const elsewhere = stack.activities({ sourceFolder: 'exports/not-yet' });
    expect(await elsewhere.listEventFiles({})).toEqual({ files: [] });
  });

  it('writes all four types as completed activities on the contact, with owner, subject and follow-up tasks', async () => {
    const activities = stack.activities({
      ownerId: OWNER,
      bounceTypes: ['hard', 'soft'],
      followUpTasks: { click: true, bounce: true, dueInDays: 5 },
    });
    const file = nextFile(true);
    await stack.writeEventFile(file, [
      { eventId: 'send-a1', eventType: 'send', externalId: contact(0) },
      { eventId: 'open-a1', eventType: 'open', externalId: contact(0) },
      { eventId: 'click-a1', eventType: 'click', externalId: contact(1), deliveryLabel: '' },
      { eventId: 'bounce-a1', eventType: 'bounce', externalId: contact(2), bounceType: 'Soft' },
      { eventId: 'bounce-a2', eventType: 'bounce', externalId: contact(2), bounceType: 'Ignored' },
    ]);
    const result = await applyAll(activities, file, 'four-types');
    expect(result).toMatchObject({ calls: 1, created: 4, duplicates: 0, rejected: 0, skipped: 1, tasks: 2 });

    const send = stack.rows('acs_emailsends').find((row) => row.acs_eventid === 'send-a1');
    expect(send).toMatchObject({
      subject: 'CAMP1 - DM101',
      _regardingobjectid_value: contact(0),
      _ownerid_value: OWNER,
      acs_campaignid: 'CAMP1',
      acs_deliveryid: 'DM101',
      acs_campaignname: 'CAMP1',
      acs_deliveryname: 'DM101',
      acs_deliverylabel: 'Spring newsletter',
      acs_sentdate: '2026-03-04T05:06:07Z',
      acs_mirrorpageurl: 'https://mirror.example.com/m/1',
      statecode: 1,
      statuscode: 2,
    });
    expect(stack.rows('acs_emailopens').find((row) => row.acs_eventid === 'open-a1')).toMatchObject({
      acs_openeddate: '2026-03-04T05:06:07Z',
      statecode: 1,
    });
    const click = stack.rows('acs_emailclicks').find((row) => row.acs_eventid === 'click-a1');
    expect(click).toMatchObject({
      acs_trackingurl: 'https://www.example.com/offer?a=1,b=2',
      acs_deliveryname: 'DM101',
      acs_deliverylabel: null,
      _regardingobjectid_value: contact(1),
      statecode: 1,
    });
    const bounces = stack.rows('acs_emailbounces').filter((row) => String(row.acs_eventid).startsWith('bounce-a'));
    expect(bounces.map((row) => row.acs_eventid)).toEqual(['bounce-a1']);
    expect(bounces[0]).toMatchObject({ description: 'Soft bounce: User unknown', statecode: 1 });

    const tasks = stack.rows('tasks');
    const clickTask = tasks.find((row) => row.activityid === followUpTaskId('click-a1'));
    expect(clickTask).toMatchObject({
      _regardingobjectid_value: contact(1),
      _ownerid_value: OWNER,
      scheduledend: '2026-03-09T05:06:07Z',
      statecode: 0,
    });
    expect(String(clickTask?.description)).toContain('https://www.example.com/offer?a=1,b=2');
    expect(tasks.find((row) => row.activityid === followUpTaskId('bounce-a1'))?.subject).toBe(
      'Fix the email address (bounce in DM101)'
    );
    expect(await stack.rejects('four-types')).toEqual([]);
  });

  it('applies a file the Campaign simulator exported, then archives it', async () => {
    const feeds = stack.campaign.sim.exports;
    if (!feeds) throw new Error('the Campaign simulator has no export feeds');
    const base = {
      eventDate: '2026-03-05 06:07:08.000Z',
      campaignId: 'CAMP9',
      deliveryId: 'DM909',
      deliveryLabel: 'Sim "quoted", label',
      mirrorPageUrl: '',
      trackingUrl: '',
      bounceType: '' as const,
      bounceReason: '',
    };
    feeds.addEvent({ ...base, eventId: 'send-sim1', eventType: 'send', externalId: contact(5) });
    feeds.addEvent({
      ...base,
      eventId: 'click-sim1',
      eventType: 'click',
      externalId: contact(5),
      trackingUrl: 'https://u',
    });
    feeds.addEvent({
      ...base,
      eventId: 'bounce-sim1',
      eventType: 'bounce',
      externalId: contact(5),
      bounceType: 'Hard',
      bounceReason: 'User unknown',
    });
    const { eventsFile } = await feeds.writeNow();
    const activities = stack.activities({});
    const name = (await activities.listEventFiles({})).files.find((file) => eventsFile?.endsWith(file.name))?.name;
    if (!name) throw new Error('the exported file is not listed');
    expect(await applyAll(activities, name, 'from-sim')).toMatchObject({ created: 3, rejected: 0 });
    expect(stack.rows('acs_emailclicks').find((row) => row.acs_eventid === 'click-sim1')).toMatchObject({
      acs_deliveryname: 'DM909',
      acs_deliverylabel: 'Sim "quoted", label',
      acs_trackingurl: 'https://u',
      acs_mirrorpageurl: null,
    });
    await activities.settleEventFile({ file: name, as: 'processed' });
    expect((await activities.listEventFiles({})).files.map((file) => file.name)).not.toContain(name);
  });

  it('skips switched-off types and hard-only bounces by default; a follow-up task on the bounce by default', async () => {
    const activities = stack.activities({ events: { send: false, open: true, click: false, bounce: true } });
    const file = nextFile();
    await stack.writeEventFile(file, [
      { eventId: 'send-b1', eventType: 'send', externalId: contact(0) },
      { eventId: 'click-b1', eventType: 'click', externalId: contact(0) },
      { eventId: 'open-b1', eventType: 'open', externalId: contact(0) },
      { eventId: 'bounce-b1', eventType: 'bounce', externalId: contact(0), bounceType: 'Hard' },
      { eventId: 'bounce-b2', eventType: 'bounce', externalId: contact(0), bounceType: 'Soft' },
    ]);
    const result = await applyAll(activities, file, 'switches');
    expect(result).toMatchObject({ created: 2, skipped: 3, rejected: 0, tasks: 1 });
    expect(stack.rows('acs_emailsends').some((row) => row.acs_eventid === 'send-b1')).toBe(false);
    expect(stack.rows('acs_emailclicks').some((row) => row.acs_eventid === 'click-b1')).toBe(false);
    expect(stack.rows('acs_emailbounces').map((row) => row.acs_eventid)).toContain('bounce-b1');
    expect(stack.rows('acs_emailbounces').map((row) => row.acs_eventid)).not.toContain('bounce-b2');
    expect(stack.rows('tasks').some((row) => row.activityid === followUpTaskId('bounce-b1'))).toBe(true);
  });

  it('writes no follow-up task when they are switched off', async () => {
    const activities = stack.activities({ followUpTasks: { click: false, bounce: false } });
    const file = nextFile();
    await stack.writeEventFile(file, [
      { eventId: 'click-n1', eventType: 'click', externalId: contact(0) },
      { eventId: 'bounce-n1', eventType: 'bounce', externalId: contact(0), bounceType: 'Hard' },
    ]);
    expect(await applyAll(activities, file, 'no-tasks')).toMatchObject({ created: 2, rejected: 0, tasks: 0 });
    const ids = new Set([followUpTaskId('click-n1'), followUpTaskId('bounce-n1')]);
    expect(stack.rows('tasks').some((row) => ids.has(String(row.activityid)))).toBe(false);
  });

  it('re-applying a file, in small calls and across files, adds no second activity or task', async () => {
    const activities = stack.activities({ batchSize: 3, followUpTasks: { click: true, bounce: true } });
    const rows = Array.from({ length: 10 }, (_v, i) => ({
      eventId: `click-c${i}`,
      eventType: 'click',
      externalId: contact(i % 6),
    }));
    const file = nextFile();
    await stack.writeEventFile(file, rows);
    const first = await applyAll(activities, file, 'dupes');
    expect(first).toMatchObject({ created: 10, duplicates: 0, tasks: 10 });

    // The same events again, in the same file and in a later file that repeats half of them.
    const again = await applyAll(activities, file, 'dupes');
    expect(again).toMatchObject({ created: 0, duplicates: 10, tasks: 0, rejected: 0 });
    const later = nextFile();
    await stack.writeEventFile(later, [...rows.slice(5), ...rows.slice(5)]);
    expect(await applyAll(activities, later, 'dupes')).toMatchObject({ created: 0, duplicates: 10, tasks: 0 });

    const clicks = stack.rows('acs_emailclicks').filter((row) => String(row.acs_eventid).startsWith('click-c'));
    expect(clicks).toHaveLength(10);
    expect(clicks.every((row) => row.statecode === 1)).toBe(true);
    const taskIds = new Set(rows.map((row) => followUpTaskId(row.eventId)));
    expect(stack.rows('tasks').filter((row) => taskIds.has(String(row.activityid)))).toHaveLength(10);
  });

  it('completes an activity left open by an interrupted run when the event is replayed', async () => {
    const activities = stack.activities({});
    await stack.d365.upsert(
      'acs_emailopens',
      { acs_eventid: 'open-d1' },
      { subject: 'left open' },
      { mode: 'create-only' }
    );
    const file = nextFile();
    await stack.writeEventFile(file, [{ eventId: 'open-d1', eventType: 'open', externalId: contact(3) }]);
    expect(await applyAll(activities, file, 'reopen')).toMatchObject({ created: 0, duplicates: 1, rejected: 0 });
    const rows = stack.rows('acs_emailopens').filter((row) => row.acs_eventid === 'open-d1');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ statecode: 1, statuscode: 2 });
  });

  it('sends events of unknown contacts and malformed lines to the rejects report, with file and line', async () => {
    const activities = stack.activities({});
    const file = nextFile();
    await stack.writeEventFile(file, [
      { eventId: 'send-e1', eventType: 'send', externalId: contact(4) },
      { eventId: 'send-e2', eventType: 'send', externalId: MISSING_CONTACT },
      '',
      'send-e3,send,not a date,' + contact(4) + ',CAMP1,DM1,,,,,',
      'send-e4,send',
      'open-e5,opened,2026-03-04 05:06:07.000Z,' + contact(4) + ',CAMP1,DM1,,,,,',
      'send-e6,send,2026-03-04 05:06:07Z,jane@example.com,CAMP1,DM1,,,,,',
      { eventId: 'send-e7', eventType: 'send', externalId: contact(5), deliveryLabel: 'multi\nline' },
      { eventId: 'click-e8', eventType: 'click', externalId: contact(4), trackingUrl: '' },
    ]);
    const result = await applyAll(activities, file, 'rejects');
    expect(result).toMatchObject({ created: 2, rejected: 6 });
    const report = await stack.rejects('rejects');
    expect(report[0]).toBe('file,line,eventId,reason');
    // In line order, whether a record was refused by the parser or by D365.
    expect(report.slice(1)).toEqual([
      `${file},3,send-e2,the contact does not exist in D365`,
      `${file},5,send-e3,eventDate is not a date-time`,
      `${file},6,,"the record has 2 fields, the header has 11"`,
      `${file},7,open-e5,"eventType is not send, open, click or bounce"`,
      `${file},8,send-e6,externalId is not a D365 contact id (GUID)`,
      `${file},11,click-e8,trackingUrl is empty on a click`,
    ]);
    expect(report.join('\n')).not.toContain('jane@example.com');
    expect(report.join('\n')).not.toContain(MISSING_CONTACT);
    expect(stack.rows('acs_emailsends').find((row) => row.acs_eventid === 'send-e7')?.acs_deliverylabel).toBe(
      'multi\nline'
    );
  });

  it('rejects a file without the event columns as a whole, at line 1', async () => {
    const activities = stack.activities({});
    const file = nextFile();
    await stack.writeEventFile(file, []);
    await writeFile(join(stack.eventsDir, file), 'id,type\n1,send\n');
    const result = await activities.applyEventFile({ file, fromLine: 2, reportId: 'bad-header' });
    expect(result.nextLine).toBeUndefined();
    expect(result.trouble).toMatchObject({ kind: 'unreadable', line: 1 });
    expect(result.counts.rejected).toBe(1);
    expect((await stack.rejects('bad-header'))[1]).toMatch(
      /^events_.*,1,,"the header lacks the columns: eventId, eventType/
    );
  });

  it('writes every line read before a gzip file turns out corrupt, then finds the file unreadable', async () => {
    const activities = stack.activities({});
    const file = nextFile(true);
    const ids = Array.from({ length: 3_000 }, (_, i) => `crc-e${i}`);
    await stack.writeEventFile(
      file,
      ids.map((eventId, i) => ({ eventId, eventType: 'send' as const, externalId: contact(i % 5) }))
    );
    // A wrong CRC: the data inflates, and the stream fails at its end with Z_DATA_ERROR (the lines still buffered in
    // the stream then are lost to the reader: how many arrive before depends on the stream's chunks).
    const bytes = await readFile(join(stack.eventsDir, file));
    bytes.writeUInt32LE((bytes.readUInt32LE(bytes.length - 8) ^ 0xffffffff) >>> 0, bytes.length - 8);
    await writeFile(join(stack.eventsDir, file), bytes);
    const result = await activities.applyEventFile({ file, fromLine: 2, reportId: 'crc' });
    const { read } = result.counts;
    expect(read).toBeGreaterThan(0);
    expect(result.trouble).toEqual({
      kind: 'unreadable',
      line: read + 2,
      reason: 'the file is not valid gzip data (Z_DATA_ERROR)',
    });
    expect(result.counts).toMatchObject({ created: read, rejected: 1 });
    const written = stack.rows('acs_emailsends').filter((row) => String(row.acs_eventid).startsWith('crc-'));
    expect(written).toHaveLength(read);
    expect((await stack.rejects('crc'))[1]).toBe(
      `${file},${read + 2},,the file is not valid gzip data (Z_DATA_ERROR); the file is set aside in rejected/`
    );
  });

  it('reports an empty file at line 1 and refuses a name that is no event file', async () => {
    const activities = stack.activities({});
    const file = nextFile();
    await writeFile(join(stack.eventsDir, file), '');
    const result = await activities.applyEventFile({ file, fromLine: 2, reportId: 'empty' });
    expect(result).toEqual({
      counts: expect.objectContaining({ read: 0, rejected: 1 }),
      trouble: { kind: 'unreadable', line: 1, reason: 'the file is empty' },
    });
    expect((await stack.rejects('empty'))[1]).toBe(`${file},1,,the file is empty; the file is set aside in rejected/`);
    await expect(
      activities.applyEventFile({ file: '../secret.csv', fromLine: 2, reportId: 'x' })
    ).rejects.toMatchObject({
      type: EGRESS_INVALID_INPUT,
      nonRetryable: true,
    });
  });

  it('writes one activity and one task for an event listed twice in the same batch', async () => {
    const activities = stack.activities({ followUpTasks: { click: true } });
    const file = nextFile();
    const row = { eventId: 'click-j1', eventType: 'click', externalId: contact(2) };
    await stack.writeEventFile(file, [row, row]);
    expect(await applyAll(activities, file, 'twice')).toMatchObject({
      created: 1,
      duplicates: 1,
      tasks: 1,
      rejected: 0,
    });
    const clicks = stack.rows('acs_emailclicks').filter((item) => item.acs_eventid === 'click-j1');
    expect(clicks).toHaveLength(1);
    expect(clicks[0]?.statecode).toBe(1);
    expect(stack.rows('tasks').filter((item) => item.activityid === followUpTaskId('click-j1'))).toHaveLength(1);
  });

  it('goes on from nextLine: a large file takes several calls, a repeated call writes nothing twice', async () => {
    const activities = stack.activities({ batchSize: 500 });
    const rows = Array.from({ length: RECORDS_PER_CALL + 300 }, (_v, i) => ({
      eventId: `open-f${i}`,
      eventType: 'open',
      externalId: contact(i % 6),
    }));
    const file = nextFile(true);
    await stack.writeEventFile(file, rows);
    const first = await activities.applyEventFile({ file, fromLine: 2, reportId: 'large' });
    expect(first.counts).toMatchObject({ read: RECORDS_PER_CALL, created: RECORDS_PER_CALL });
    expect(first.nextLine).toBe(RECORDS_PER_CALL + 2);
    // A worker that dies before its result is recorded: the workflow runs the same call again.
    const rerun = await activities.applyEventFile({ file, fromLine: 2, reportId: 'large' });
    expect(rerun).toEqual({
      nextLine: RECORDS_PER_CALL + 2,
      counts: expect.objectContaining({ created: 0, duplicates: RECORDS_PER_CALL }),
    });
    const second = await activities.applyEventFile({ file, fromLine: first.nextLine ?? 0, reportId: 'large' });
    expect(second).toEqual({ counts: expect.objectContaining({ read: 300, created: 300, duplicates: 0 }) });
    const opens = stack.rows('acs_emailopens').filter((row) => String(row.acs_eventid).startsWith('open-f'));
    expect(opens).toHaveLength(RECORDS_PER_CALL + 300);
  });

  it('goes on from nextByte in a plain file: reads from there, the same events as skipping the lines', async () => {
    const activities = stack.activities({ batchSize: 300 });
    const rows = Array.from({ length: 2 * RECORDS_PER_CALL + 100 }, (_v, i) => ({
      eventId: `open-k${i}`,
      eventType: 'open',
      externalId: contact(i % 6),
      // Multi-byte characters and quoted line breaks: byte offsets are not character or line counts.
      deliveryLabel: i % 3 === 0 ? `Frühling ${i}\n"Ä" €` : `Spring ${i}`,
    }));
    const file = nextFile();
    await stack.writeEventFile(file, rows);
    const first = await activities.applyEventFile({ file, fromLine: 2, reportId: 'bytes' });
    expect(first.counts).toMatchObject({ read: RECORDS_PER_CALL, created: RECORDS_PER_CALL });
    expect(first.nextLine).toBeGreaterThan(RECORDS_PER_CALL + 1);
    expect(first.nextByte).toBeGreaterThan(0);
    const byLine = await activities.applyEventFile({ file, fromLine: first.nextLine ?? 0, reportId: 'bytes' });
    const byByte = await activities.applyEventFile({
      file,
      fromLine: first.nextLine ?? 0,
      fromByte: first.nextByte,
      reportId: 'bytes',
    });
    expect(byLine.counts).toMatchObject({ read: RECORDS_PER_CALL, created: RECORDS_PER_CALL, rejected: 0 });
    expect(byByte).toEqual({ ...byLine, counts: { ...byLine.counts, created: 0, duplicates: RECORDS_PER_CALL } });
    const last = await activities.applyEventFile({
      file,
      fromLine: byByte.nextLine ?? 0,
      fromByte: byByte.nextByte,
      reportId: 'bytes',
    });
    expect(last).toEqual({ counts: expect.objectContaining({ read: 100, created: 100, rejected: 0 }) });
    const opens = stack.rows('acs_emailopens').filter((row) => String(row.acs_eventid).startsWith('open-k'));
    expect(opens).toHaveLength(2 * RECORDS_PER_CALL + 100);
    const labels = new Map(opens.map((row) => [row.acs_eventid, row.acs_deliverylabel]));
    for (const i of [RECORDS_PER_CALL - 1, RECORDS_PER_CALL, 2 * RECORDS_PER_CALL - 1, 2 * RECORDS_PER_CALL]) {
      expect(labels.get(`open-k${i}`)).toBe(i % 3 === 0 ? `Frühling ${i}\n"Ä" €` : `Spring ${i}`);
    }
  });

  it('loses nothing in a 429 storm during a batch', async () => {
    const activities = stack.activities({ batchSize: 4 });
    const rows = Array.from({ length: 12 }, (_v, i) => ({
      eventId: `send-g${i}`,
      eventType: 'send',
      externalId: contact(i % 6),
    }));
    const file = nextFile();
    await stack.writeEventFile(file, rows);
    stack.dynamics.sim.faults.throttleNext(3, 1);
    const before = stack.dynamics.sim.requests.length;
    const result = await applyAll(activities, file, 'storm');
    const statuses = stack.dynamics.sim.requests.slice(before).map((request) => request.status);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    expect(result).toMatchObject({ created: 12, rejected: 0 });
    const sends = stack.rows('acs_emailsends').filter((row) => String(row.acs_eventid).startsWith('send-g'));
    expect(sends).toHaveLength(12);
    expect(sends.every((row) => row.statecode === 1)).toBe(true);
  });

  it('retries a failing call as a whole after 503s, and the retry duplicates nothing', async () => {
    const activities = stack.activities({ batchSize: 5 });
    const rows = Array.from({ length: 5 }, (_v, i) => ({
      eventId: `open-h${i}`,
      eventType: 'open',
      externalId: contact(i),
    }));
    const file = nextFile();
    await stack.writeEventFile(file, rows);
    stack.dynamics.sim.faults.failNext(40, 503);
    await expect(activities.applyEventFile({ file, fromLine: 2, reportId: 'outage' })).rejects.toThrow(/503|failed/);
    stack.dynamics.sim.faults.reset();
    await applyAll(activities, file, 'outage');
    expect(stack.rows('acs_emailopens').filter((row) => String(row.acs_eventid).startsWith('open-h'))).toHaveLength(5);
  });

  it('treats a truncated gzip file as not complete yet (retryable)', async () => {
    const activities = stack.activities({});
    const file = nextFile(true);
    await stack.writeEventFile(file, [{ eventId: 'send-i1', eventType: 'send', externalId: contact(0) }]);
    const bytes = await readFile(join(stack.eventsDir, file));
    await writeFile(join(stack.eventsDir, file), bytes.subarray(0, bytes.length - 12));
    await expect(activities.applyEventFile({ file, fromLine: 2, reportId: 'truncated' })).rejects.toMatchObject({
      type: EVENT_FILE_INCOMPLETE,
      nonRetryable: false,
    });
  });
});
