import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type WorkflowHandle } from '@temporalio/client';
import { csvLine, EVENT_COLUMNS, OPT_OUT_COLUMNS } from '../../src/sandbox/campaign';
import { egressManagerWorkflow, optOutManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery, type EgressStatus } from '../../src/workflows/egress/messages';
import { optOutStatusQuery, type OptOutStatus } from '../../src/workflows/optout/messages';
import { assertBuildIsFresh, runCli } from '../harness/cli';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { activeContactIds, activitiesPerEventId, profilesByExternalId } from '../harness/reliability';
import { until, untilQuery } from '../harness/polling';
import { allText } from '../security/history-text';
import { findLeaks, temporalHaystacks, type Haystack, type Needle } from '../security/leak-scanner';

const EVENT_DATE = '2026-03-04 05:06:07.000Z';

/** Values planted in every bad-input path: none may reach a report, a log or Temporal. */
const PLANTED = {
  eventQuote: 'planted-event-quote-41',
  eventOpenQuote: 'planted-event-open-42',
  optOutQuote: 'planted-optout-quote-43',
  emailKey: 'planted-key-44@example.com',
  emailValue: 'planted-value-45@example.com',
  hugeLine: 'planted-huge-46',
  cutField: 'planted-cut-47',
  badHeader: 'planted-header-48',
};

/**
 * Bad and unusual Campaign export files (issue 21), on the real stack: Temporal dev server, OpenSSH as the Campaign
 * storage, both simulators, and `acs-d365 worker` as a process whose logs are kept. Each kind of file is handled as
 * docs/guarantees.md says, the flow's next file is applied, and no planted value reaches reports, logs or history.
 */
describe('bad export files', () => {
  let stack: FlowStack;
  let egress: WorkflowHandle<typeof egressManagerWorkflow>;
  let optOut: WorkflowHandle<typeof optOutManagerWorkflow>;
  let worker: ChildProcessWithoutNullStreams;
  const logs: string[] = [];
  let contacts: string[];
  let eventsDir: string;
  let optOutsDir: string;

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 50 },
      deployment: 'bad-files',
      flows: {
        // One file at a time: these cases change or remove a file while an earlier one is read (files applied at
        // once: test/workflows/egress-files-in-parallel.test.ts).
        egress: { every: '1h', bounceTypes: ['hard', 'soft', 'ignored'], filesInParallel: 1 },
        optOut: {
          mode: 'campaign-to-d365',
          every: '1h',
          pairs: [{ campaign: 'denyListEmail', dynamics: 'donotbulkemail' }],
        },
      },
    });
    // Contacts without the opt-out yet, whose profiles opted out: a line about one of them changes D365.
    contacts = [];
    for (const id of await activeContactIds(stack.resources, 50)) {
      if (contacts.length < 20 && (await donotbulkemail(id)) === false) contacts.push(id);
    }
    expect(contacts).toHaveLength(20);
    const profiles = profilesByExternalId(stack.resources);
    for (const id of contacts) {
      const profile = await profiles.create({ externalId: id });
      await profiles.patch(String(profile.PKey), { blackListEmail: true });
    }
    eventsDir = path.join(stack.sftp.root, 'd365_loads', 'exports', 'events');
    optOutsDir = path.join(stack.sftp.root, 'd365_loads', 'exports', 'optouts');
    await mkdir(eventsDir, { recursive: true });
    await mkdir(optOutsDir, { recursive: true });
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug'; // the most the worker logs: none of it may carry a planted value
    try {
      worker = stack.startWorkerProcess();
    } finally {
      if (level === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = level;
    }
    worker.stdout.on('data', (data: Buffer) => logs.push(data.toString('utf8')));
    worker.stderr.on('data', (data: Buffer) => logs.push(data.toString('utf8')));
  }, 60_000);

  afterAll(async () => {
    for (const handle of [egress, optOut]) await handle?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  function eventLine(eventId: string, contact: string, deliveryLabel = 'Newsletter'): string {
    const event: Record<string, string> = {
      eventId,
      eventType: 'send',
      eventDate: EVENT_DATE,
      externalId: contact,
      campaignId: 'CAMP1',
      deliveryId: 'DM1',
      deliveryLabel,
      mirrorPageUrl: '',
      trackingUrl: '',
      bounceType: '',
      bounceReason: '',
    };
    return csvLine(EVENT_COLUMNS.map((column) => event[column]));
  }

  const eventHeader = (): string => csvLine(EVENT_COLUMNS);
  const optOutHeader = (): string => csvLine([...OPT_OUT_COLUMNS]);
  const now = (): string => new Date().toISOString().replace('T', ' ');
  const optOutLine = (contact: string): string => csvLine(['c', contact, 'blackListEmail', 'true', now()]);

  /** A gzip file whose deflate data is damaged from its first block on. */
  function corruptGzip(text: string): Buffer {
    const bytes = gzipSync(text);
    bytes.fill(0xff, 10, 30);
    return bytes;
  }

  async function applied(): Promise<Map<string, number>> {
    return activitiesPerEventId(stack.resources);
  }

  async function donotbulkemail(id: string): Promise<unknown> {
    const page = await stack.resources
      .dynamics()
      .readPages('contacts', { select: ['donotbulkemail'], filter: `contactid eq ${id}` })
      .next();
    return page.value.rows[0]?.donotbulkemail;
  }

  async function nextEgressPass(): Promise<EgressStatus> {
    const before = (await egress.query(egressStatusQuery)).passes;
    await egress.signal('syncNow');
    return untilQuery(egress, egressStatusQuery, (s) => s.passes > before && s.phase !== 'applying', 120_000);
  }

  async function nextOptOutPass(): Promise<OptOutStatus> {
    const before = (await optOut.query(optOutStatusQuery)).passes;
    await optOut.signal('syncNow');
    return untilQuery(optOut, optOutStatusQuery, (s) => s.passes > before && s.phase !== 'syncing', 120_000);
  }

  it('egress: a stray quote rejects its line only; a corrupt gzip is set aside with its reason; the next file is applied', async () => {
    const [a, b, c, d, e, f] = contacts;
    await writeFile(
      path.join(eventsDir, 'events_20260101000000_000001.csv'),
      [
        eventHeader(),
        eventLine('bf-e1', a!),
        eventLine('bf-bad1', b!).replace('Newsletter', `News "${PLANTED.eventQuote} letter`),
        eventLine('bf-e2', b!),
        eventLine('bf-bad2', c!).replace('Newsletter', `"${PLANTED.eventOpenQuote} opened, never closed`),
        eventLine('bf-e3', c!),
        eventLine('bf-e4', d!),
        eventLine('bf-e5', e!),
      ].join('')
    );
    await writeFile(
      path.join(eventsDir, 'events_20260101000000_000002.csv.gz'),
      corruptGzip([eventHeader(), eventLine('bf-gz', f!)].join(''))
    );
    await writeFile(
      path.join(eventsDir, 'events_20260101000000_000003.csv'),
      [eventHeader(), eventLine('bf-e6', f!)].join('')
    );
    egress = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'bad-files/egress',
      args: [{}],
    });
    const done = await untilQuery(egress, egressStatusQuery, (s) => s.passes >= 1, 120_000);
    expect(done.lastError).toBeUndefined();
    expect(Object.fromEntries(await applied())).toEqual({
      'bf-e1': 1,
      'bf-e2': 1,
      'bf-e3': 1,
      'bf-e4': 1,
      'bf-e5': 1,
      'bf-e6': 1,
    });
    expect(done.skippedFiles).toEqual([
      {
        file: 'events_20260101000000_000002.csv.gz',
        reason: 'the file is not valid gzip data (Z_DATA_ERROR) (line 2); set aside in rejected/',
        pass: 1,
        at: expect.any(String),
      },
    ]);
    expect(await readdir(path.join(eventsDir, 'rejected'))).toEqual(['events_20260101000000_000002.csv.gz']);
    expect((await readdir(eventsDir)).filter((name) => name.startsWith('events_'))).toEqual([]);
    const report = (await reportLines('egress')).join('\n');
    expect(report).toContain('events_20260101000000_000001.csv,3,,a quote inside an unquoted field');
    expect(report).toContain(
      'events_20260101000000_000001.csv,5,,a quote opens a field that is not closed on its line'
    );
    expect(report).toContain(
      'events_20260101000000_000002.csv.gz,2,,the file is not valid gzip data (Z_DATA_ERROR); the file is set aside in rejected/'
    );
  }, 180_000);

  it('egress: a file whose name sorts before the cursor (written late) is applied', async () => {
    const status = await egress.query(egressStatusQuery);
    expect(status.cursor.lastFile).toBe('events_20260101000000_000003.csv');
    await writeFile(
      path.join(eventsDir, 'events_20250101000000_000001.csv'),
      [eventHeader(), eventLine('bf-late', contacts[6]!)].join('')
    );
    const done = await nextEgressPass();
    expect(done.lastError).toBeUndefined();
    expect((await applied()).get('bf-late')).toBe(1);
    expect(await readdir(path.join(eventsDir, 'processed'))).toContain('events_20250101000000_000001.csv');
  }, 120_000);

  it('egress: a file replaced in place while read is read again (its added events applied once); a vanished file is reported; the next file is applied', async () => {
    const big = 'events_20260201000000_000001.csv';
    const lines = (count: number): string =>
      [eventHeader(), ...Array.from({ length: count }, (_, i) => eventLine(`bf-big-${i}`, contacts[i % 20]!))].join('');
    await writeFile(path.join(eventsDir, big), lines(3_000));
    await writeFile(
      path.join(eventsDir, 'events_20260201000000_000002.csv'),
      [eventHeader(), eventLine('bf-vanished', contacts[7]!)].join('')
    );
    await writeFile(
      path.join(eventsDir, 'events_20260201000000_000003.csv'),
      [eventHeader(), eventLine('bf-after', contacts[8]!)].join('')
    );
    stack.dynamics.faults.latencyMs = 400; // the big file takes seconds: long enough to change it meanwhile
    try {
      const before = (await egress.query(egressStatusQuery)).passes;
      await egress.signal('syncNow');
      const pass = stack.temporal.client.workflow.getHandle(`bad-files/egress:pass:${before + 1}`);
      await until(
        async () => {
          const pending = (await pass.describe().catch(() => undefined))?.raw.pendingActivities ?? [];
          return pending.some((activity) => activity.activityType?.name === 'applyEventFile');
        },
        60_000,
        'the pass to read the big file'
      );
      await writeFile(path.join(eventsDir, big), lines(3_050)); // in place: truncated and written again
      await rm(path.join(eventsDir, 'events_20260201000000_000002.csv'));
    } finally {
      stack.dynamics.faults.latencyMs = 0;
    }
    const done = await untilQuery(egress, egressStatusQuery, (s) => s.passes >= 3 && s.phase !== 'applying', 180_000);
    expect(done.lastError).toBeUndefined();
    const all = await applied();
    const bigIds = [...all.keys()].filter((id) => id.startsWith('bf-big-'));
    expect(bigIds).toHaveLength(3_050);
    expect(bigIds.every((id) => all.get(id) === 1)).toBe(true);
    expect(all.get('bf-vanished')).toBeUndefined();
    expect(all.get('bf-after')).toBe(1);
    expect(done.skippedFiles?.at(-1)).toEqual({
      file: 'events_20260201000000_000002.csv',
      reason: 'it vanished after it was listed: neither in the folder nor in processed/',
      pass: 3,
      at: expect.any(String),
    });
    const archived = await stat(path.join(eventsDir, 'processed', big));
    expect(archived.size).toBe(Buffer.byteLength(lines(3_050)));
    // The change was seen after the listing (by a slice or at the archive), not before the pass read the file.
    const history = allText(await stack.temporal.client.workflow.getHandle('bad-files/egress:pass:3').fetchHistory());
    expect(history.join('\n')).toMatch(/"kind":"changed"/);
  }, 240_000);

  it('opt-out: malformed lines are rejected one by one, unreadable files set aside, values never copied; the next files are applied', async () => {
    const ids = contacts.slice(10, 20);
    const [a, b, c, d, e, f, g] = ids;
    const write = (name: string, text: string | Buffer): Promise<void> => writeFile(path.join(optOutsDir, name), text);
    await write(
      'optouts_20260101000000_000001.csv',
      [
        optOutHeader(),
        optOutLine(a!),
        `c,${b!},blackListEmail,"${PLANTED.optOutQuote} true,${now()}\n`,
        optOutLine(b!),
      ].join('')
    );
    await write(
      'optouts_20260101000000_000002.csv',
      [
        optOutHeader(),
        csvLine(['c', PLANTED.emailKey, 'blackListEmail', 'true', now()]),
        csvLine(['c', c!, 'blackListEmail', PLANTED.emailValue, now()]),
        optOutLine(c!),
      ].join('')
    );
    await write(
      'optouts_20260101000000_000003.csv',
      [
        optOutHeader(),
        optOutLine(d!),
        `c,${PLANTED.hugeLine} ${'x'.repeat(50 * 1024 * 1024)},blackListEmail,true,${now()}\n`,
        optOutLine(e!),
      ].join('')
    );
    await write('optouts_20260101000000_000004.csv.gz', corruptGzip([optOutHeader(), optOutLine(g!)].join('')));
    await write(
      'optouts_20260101000000_000005.csv',
      [optOutHeader(), optOutLine(f!), `c,${g!},blackListEmail,"true ${PLANTED.cutField}`].join('')
    );
    await write('optouts_20260101000000_000006.csv', `id,who\n1,${PLANTED.badHeader}\n`);

    optOut = await stack.temporal.client.workflow.start(optOutManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'bad-files/optout',
      args: [{}],
    });
    const done = await untilQuery(optOut, optOutStatusQuery, (s) => s.passes >= 1, 180_000);
    expect(done.lastError).toBeUndefined();
    for (const id of [a, b, c, d, e, f]) expect(await donotbulkemail(id!)).toBe(true);
    expect(await donotbulkemail(g!)).toBe(false); // only in the corrupt file and on the cut line
    expect(done.skippedFiles?.map((skipped) => [skipped.file, skipped.reason])).toEqual([
      [
        'optouts_20260101000000_000004.csv.gz',
        'the file is not valid gzip data (Z_DATA_ERROR) (line 2); set aside in rejected/',
      ],
      [
        'optouts_20260101000000_000006.csv',
        'the header lacks the columns: externalId, attribute, value, changedAt (line 1); set aside in rejected/',
      ],
    ]);
    expect((await readdir(path.join(optOutsDir, 'rejected'))).sort()).toEqual([
      'optouts_20260101000000_000004.csv.gz',
      'optouts_20260101000000_000006.csv',
    ]);
    const audit = (await reportLines('optout')).join('\n');
    for (const expected of [
      'optouts_20260101000000_000001.csv line 3: a quote opens a field that is not closed on its line',
      'optouts_20260101000000_000002.csv line 2: externalId is not a D365 contact id; skipped',
      'optouts_20260101000000_000002.csv line 3: value is not true, false, 1 or 0',
      `optouts_20260101000000_000003.csv line 3: the record is over 1048576 bytes`,
      'optouts_20260101000000_000005.csv line 3: the file ends inside a quoted field',
    ]) {
      expect(audit).toMatch(expected);
    }
  }, 240_000);

  it('opt-out: a file whose name sorts before the cursor (written late) is applied', async () => {
    const late = contacts[9]!;
    await writeFile(
      path.join(optOutsDir, 'optouts_20250101000000_000001.csv'),
      [optOutHeader(), optOutLine(late)].join('')
    );
    const done = await nextOptOutPass();
    expect(done.lastError).toBeUndefined();
    expect(await donotbulkemail(late)).toBe(true);
  }, 120_000);

  it('acs-d365 status shows the files skipped and why', async () => {
    const cli = (...args: string[]) => runCli([...args, '--config', stack.configFile], stack.secretEnv);
    const json = JSON.parse((await cli('status', '--json')).stdout) as {
      flows: { workflowId: string; detail?: { skippedFiles?: { file: string; reason: string }[] } }[];
    };
    const skipped = (id: string) => json.flows.find((flow) => flow.workflowId === id)?.detail?.skippedFiles;
    expect(skipped('bad-files/egress')?.map((note) => note.file)).toEqual([
      'events_20260101000000_000002.csv.gz',
      'events_20260201000000_000002.csv',
    ]);
    expect(skipped('bad-files/optout')?.map((note) => note.file)).toEqual([
      'optouts_20260101000000_000004.csv.gz',
      'optouts_20260101000000_000006.csv',
    ]);
    const text = (await cli('status')).stdout;
    expect(text).toMatch(
      /^ +skipped events_20260201000000_000002\.csv \(pass 3, .* ago\): it vanished after it was listed/m
    );
    expect(text).toMatch(/^ +skipped optouts_20260101000000_000006\.csv \(pass 1, .* ago\): the header lacks/m);
  }, 60_000);

  it('no planted value in reports, status, worker logs or Temporal history; report rows stay small', async () => {
    const needles: Needle[] = Object.entries(PLANTED).map(([label, value]) => ({ label, value }));
    const reports: Haystack[] = [];
    for (const flow of ['egress', 'optout']) {
      const lines = await reportLines(flow);
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThan(400);
      reports.push({ where: `${flow} reports`, texts: lines });
    }
    const status = [
      JSON.stringify(await egress.query(egressStatusQuery)),
      JSON.stringify(await optOut.query(optOutStatusQuery)),
    ];
    expect(logs.join('').length).toBeGreaterThan(0);
    const haystacks = [
      ...reports,
      { where: 'status', texts: status },
      { where: 'worker logs', texts: logs },
      ...(await temporalHaystacks(stack.temporal.client, stack.taskQueue)),
    ];
    expect(findLeaks(haystacks, needles)).toEqual([]);
    // The scan can fail: the planted values are in the export files it does not scan.
    const files: Haystack = {
      where: 'export files',
      texts: [await readFile(path.join(optOutsDir, 'processed', 'optouts_20260101000000_000002.csv'), 'utf8')],
    };
    expect(findLeaks([files], needles).map((leak) => leak.label)).toEqual(['emailKey', 'emailValue']);
  }, 120_000);

  /** Every line of every report of a flow (`<reports.folder>/<flow>/*.csv`). */
  async function reportLines(flow: string): Promise<string[]> {
    const folder = path.join(stack.dir, 'reports', flow);
    const lines: string[] = [];
    for (const name of await readdir(folder)) {
      lines.push(...(await readFile(path.join(folder, name), 'utf8')).trim().split('\n'));
    }
    return lines;
  }
});
