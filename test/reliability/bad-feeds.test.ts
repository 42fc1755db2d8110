import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type WorkflowHandle } from '@temporalio/client';
import { csvLine, EVENT_COLUMNS, OPT_OUT_COLUMNS } from '../../src/sandbox/campaign';
import { egressManagerWorkflow, optOutManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { optOutStatusQuery } from '../../src/workflows/optout/messages';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { activeContactIds, activitiesPerEventId, profilesByExternalId } from '../harness/reliability';
import { until, untilQuery } from '../harness/polling';

const EVENT_DATE = '2026-03-04 05:06:07.000Z';

/**
 * Malformed Campaign export files reach the egress and opt-out flows through the real sshd: a file with the wrong
 * columns, lines without a key, a file in the wrong encoding, a gzip file cut short. Each gets a rejects entry or a
 * clear error; every good line around them still arrives; the pass goes on to the next file.
 */
describe('malformed feed files', () => {
  let stack: FlowStack;
  let egress: WorkflowHandle<typeof egressManagerWorkflow>;
  let optOut: WorkflowHandle<typeof optOutManagerWorkflow>;
  let contacts: string[];
  let eventsDir: string;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 20 },
      flows: {
        egress: { every: '1h', bounceTypes: ['hard', 'soft', 'ignored'] },
        optOut: {
          mode: 'campaign-to-d365',
          every: '1h',
          pairs: [{ campaign: 'denyListEmail', dynamics: 'donotbulkemail' }],
        },
      },
    });
    contacts = await activeContactIds(stack.resources, 10);
    const profiles = profilesByExternalId(stack.resources);
    for (const id of contacts) await profiles.create({ externalId: id });
    eventsDir = path.join(stack.sftp.root, 'd365_loads', 'exports', 'events');
    await mkdir(eventsDir, { recursive: true });
    await stack.startWorker();
  });

  afterAll(async () => {
    for (const handle of [egress, optOut]) await handle?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  function eventLine(eventId: string, externalId: string, extra: Partial<Record<string, string>> = {}): string {
    const event: Record<string, string> = {
      eventId,
      eventType: 'send',
      eventDate: EVENT_DATE,
      externalId,
      campaignId: 'CAMP1',
      deliveryId: 'DM1',
      deliveryLabel: 'Newsletter',
      mirrorPageUrl: '',
      trackingUrl: '',
      bounceType: '',
      bounceReason: '',
      ...extra,
    };
    return csvLine(EVENT_COLUMNS.map((column) => event[column]));
  }

  it('egress: wrong columns and null keys are rejected, a cut-off gzip waits with a clear error, the rest arrives', async () => {
    const header = csvLine(EVENT_COLUMNS);
    await writeFile(
      path.join(eventsDir, 'events_20260101000000_000001.csv'),
      [header, eventLine('rel-e1', contacts[0]!), eventLine('rel-e2', ''), eventLine('rel-e3', contacts[1]!)].join('')
    );
    await writeFile(path.join(eventsDir, 'events_20260101000000_000002.csv'), 'id,type,date\n1,send,yesterday\n');
    await writeFile(
      path.join(eventsDir, 'events_20260101000000_000003.csv'),
      [header, eventLine('rel-e4', contacts[2]!)].join('')
    );
    const whole = gzipSync([header, eventLine('rel-e5', contacts[3]!), eventLine('rel-e6', contacts[4]!)].join(''));
    const gzName = 'events_20260101000000_000004.csv.gz';
    await writeFile(path.join(eventsDir, gzName), whole.subarray(0, Math.floor(whole.length / 2)));

    egress = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'rel-feeds-egress',
      args: [{}],
    });
    // The cut-off file is not taken for complete: its slice fails, retryably, with a message naming the file.
    const pass = stack.temporal.client.workflow.getHandle('rel-feeds-egress:pass:1');
    let failure = '';
    await until(
      async () => {
        const described = await pass.describe().catch(() => undefined);
        failure = described?.raw.pendingActivities?.[0]?.lastFailure?.message ?? '';
        return failure !== '';
      },
      60_000,
      'the cut-off file to fail its slice'
    );
    expect(failure).toBe(`${gzName} ends early: not completely written yet`);
    const applied = await activitiesPerEventId(stack.resources);
    expect([...applied.keys()].sort()).toEqual(['rel-e1', 'rel-e3', 'rel-e4']);

    // Once the file is whole, the pass goes on and finishes.
    const part = path.join(eventsDir, `${gzName}.part`);
    await writeFile(part, whole);
    await rename(part, path.join(eventsDir, gzName));
    const done = await untilQuery(egress, egressStatusQuery, (s) => s.passes >= 1, 90_000);
    expect(done.lastError).toBeUndefined();
    const all = await activitiesPerEventId(stack.resources);
    expect(Object.fromEntries(all)).toEqual({ 'rel-e1': 1, 'rel-e3': 1, 'rel-e4': 1, 'rel-e5': 1, 'rel-e6': 1 });
    const report = (await reportLines(stack, 'egress')).join('\n');
    expect(report).toContain('events_20260101000000_000001.csv,3,rel-e2,externalId is not a D365 contact id (GUID)');
    expect(report).toMatch(/events_20260101000000_000002\.csv,1,,"the header lacks the columns: eventId/);
  }, 180_000);

  it('egress: a file in the wrong encoding is refused line by line, not written with mangled text', async () => {
    const latin1 = Buffer.concat([
      Buffer.from(csvLine(EVENT_COLUMNS)),
      Buffer.from(eventLine('rel-e7', contacts[5]!, { deliveryLabel: 'Caf\u00e9 news' }), 'latin1'),
    ]);
    await writeFile(path.join(eventsDir, 'events_20260101000000_000005.csv'), latin1);
    await writeFile(
      path.join(eventsDir, 'events_20260101000000_000006.csv'),
      [csvLine(EVENT_COLUMNS), eventLine('rel-e8', contacts[6]!)].join('')
    );
    const before = (await egress.query(egressStatusQuery)).passes;
    await egress.signal('syncNow');
    const done = await untilQuery(egress, egressStatusQuery, (s) => s.passes > before, 60_000);
    expect(done.lastError).toBeUndefined();
    expect((await activitiesPerEventId(stack.resources)).get('rel-e8')).toBe(1); // the next file still arrives
    const labels: string[] = [];
    for await (const page of stack.resources.dynamics().readPages('acs_emailsends', {
      select: ['acs_eventid', 'acs_deliverylabel'],
      filter: "acs_eventid eq 'rel-e7'",
    })) {
      labels.push(...page.rows.map((row) => String(row.acs_deliverylabel)));
    }
    expect(labels).toEqual([]);
    expect((await reportLines(stack, 'egress')).join('\n')).toContain(
      'events_20260101000000_000005.csv,2,rel-e7,the line is not valid UTF-8: check the encoding of the Campaign export'
    );
  }, 120_000);

  it('opt-out: a file with the wrong columns is set aside with its reason; lines without a key are rejected; nothing is lost', async () => {
    const dir = path.join(stack.sftp.root, 'd365_loads', 'exports', 'optouts');
    await mkdir(dir, { recursive: true });
    const header = csvLine([...OPT_OUT_COLUMNS]);
    const when = new Date().toISOString().replace('T', ' ');
    const badFile = 'optouts_20260101000000_000001.csv';
    await writeFile(path.join(dir, badFile), 'id,who\n1,someone\n');
    const [a, b] = [contacts[7]!, contacts[8]!];
    const profiles = profilesByExternalId(stack.resources);
    for (const id of [a, b]) {
      const profile = await profiles.findByKey({ externalId: id });
      await profiles.patch(profile!.PKey, { blackListEmail: true });
    }
    await writeFile(
      path.join(dir, 'optouts_20260101000000_000002.csv'),
      [
        header,
        csvLine(['c1', '', 'blackListEmail', 'true', when]),
        csvLine(['c2', a, 'blackListEmail', 'true', when]),
      ].join('')
    );
    await writeFile(
      path.join(dir, 'optouts_20260101000000_000003.csv'),
      [header, csvLine(['c3', b, 'blackListEmail', 'true', when])].join('')
    );
    optOut = await stack.temporal.client.workflow.start(optOutManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'rel-feeds-optout',
      args: [{}],
    });
    // Like egress, opt-out sets such a file aside (in rejected/, named in status and the audit) and goes on.
    const done = await untilQuery(optOut, optOutStatusQuery, (s) => s.passes >= 1, 60_000);
    expect(done.lastError).toBeUndefined();
    expect(done.lastPass?.counts.rejected).toBe(2);
    expect(done.skippedFiles).toEqual([
      {
        file: badFile,
        reason:
          'the header lacks the columns: externalId, attribute, value, changedAt (line 1); set aside in rejected/',
        pass: 1,
        at: expect.any(String),
      },
    ]);
    expect(await readdir(path.join(dir, 'rejected'))).toEqual([badFile]);
    for (const id of [a, b]) {
      const [row] = (
        await stack.resources
          .dynamics()
          .readPages('contacts', { select: ['donotbulkemail'], filter: `contactid eq ${id}` })
          .next()
      ).value.rows;
      expect(row.donotbulkemail).toBe(true);
    }
    const audit = (await reportLines(stack, 'optout')).join('\n');
    expect(audit).toContain('optouts_20260101000000_000002.csv line 2: externalId is empty');
    expect(audit).toContain(`${badFile} line 1: the header lacks the columns: externalId`);
  }, 120_000);
});

/** Every line of every report of a flow (`<reports.folder>/<flow>/*.csv`). */
async function reportLines(stack: FlowStack, flow: string): Promise<string[]> {
  const folder = path.join(stack.dir, 'reports', flow);
  const lines: string[] = [];
  for (const name of await readdir(folder)) {
    lines.push(...(await readFile(path.join(folder, name), 'utf8')).trim().split('\n'));
  }
  return lines;
}
