import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { LINES_PER_CHUNK, type OptOutActivities } from '../../src/activities/optout';
import { CONFIG_ERROR, OPT_OUT_FILE_INCOMPLETE } from '../../src/sync/failure-types';
import { optOutBlock, type OptOutStack, startOptOutStack } from '../harness/optout-stack';

let s: OptOutStack;
let bidirectional: OptOutActivities;
let folder: string;
let sequence = 900;

beforeAll(async () => {
  s = await startOptOutStack();
  bidirectional = s.activities(optOutBlock('bidirectional'));
  folder = path.join(s.sftp.root, 'd365_loads', 'exports', 'optouts');
  await mkdir(folder, { recursive: true });
}, 60_000);

afterAll(async () => {
  await s?.close();
});

/** Puts an opt-out file into the Campaign storage as Campaign's export workflow would. */
async function putFile(content: string | Buffer, gzip = false): Promise<string> {
  sequence += 1;
  const name = `optouts_20260101000000_${String(sequence).padStart(6, '0')}.csv${gzip ? '.gz' : ''}`;
  await writeFile(path.join(folder, name), content);
  return name;
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught
  );
  if (!(error instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

const HEADER = 'changeId,externalId,attribute,value,changedAt\n';

describe('opt-out files', () => {
  it('reports each malformed line with its line number and applies the good ones', async () => {
    const id = await s.createPair({ email: false }, { email: true });
    const name = await putFile(
      HEADER +
        `c1,,blackListEmail,true,2026-01-01 00:00:00.000Z\n` +
        `c2,${id},blackListEvil,true,2026-01-01 00:00:00.000Z\n` +
        `c3,${id},blackListEmail,maybe,2026-01-01 00:00:00.000Z\n` +
        `c4,${id},blackListEmail,true,yesterday\n` +
        `c5,${id},blackListMobile,true,2026-01-01 00:00:00.000Z\n` +
        `c6,${id},blackListEmail,1,2026/01/01 00:00:00\n`
    );

    const result = await bidirectional.applyOptOutFile({ file: name, fromLine: 2, reportId: 'lines-1' });

    expect(result.nextLine).toBeUndefined();
    expect(result.counts).toEqual({
      read: 6,
      applied: 1,
      skipped: 2,
      conflicts: 1,
      missing: 0,
      outOfScope: 0,
      rejected: 4,
    });
    expect((await s.d365(id)).donotemail).toBe(true);
    const audit = await readFile(path.join(s.config.reports.folder, 'optout', 'lines-1.csv'), 'utf8');
    for (const [line, text] of [
      [2, 'externalId is empty'],
      [3, 'attribute is not a Campaign opt-out attribute'],
      [4, 'value is not true, false, 1 or 0'],
      [5, 'changedAt is not a date-time'],
      [6, 'blackListMobile is not paired in optOut.pairs'],
    ] as const) {
      // The audit is CSV: a reason with a comma is quoted.
      expect(audit).toMatch(`${name} line ${line}: ${text}`);
    }
    // Reasons name the column, never the line's text.
    for (const value of ['blackListEvil', 'maybe', 'yesterday']) expect(audit).not.toContain(value);
  });

  it('resumes a file at a line number, reads gzip files, and columns in any order', async () => {
    const first = await s.createPair({ email: false }, { email: true });
    const second = await s.createPair({ fax: false }, { fax: true });
    const name = await putFile(
      gzipSync(
        'changedAt,attribute,externalId,value\n' +
          `2026-01-01 00:00:00.000Z,blackListEmail,${first},true\n` +
          `2026-01-01 00:00:00.000Z,blackListFax,${second},true\n`
      ),
      true
    );

    const result = await bidirectional.applyOptOutFile({ file: name, fromLine: 3, reportId: 'resume-1' });

    expect(result).toEqual({
      counts: { read: 1, applied: 1, skipped: 1, conflicts: 1, missing: 0, outOfScope: 0, rejected: 0 },
    });
    expect((await s.d365(first)).donotemail).toBe(false);
    expect((await s.d365(second)).donotfax).toBe(true);
  });

  it('splits a long file into chunks of LINES_PER_CHUNK lines, each resuming where the last ended', async () => {
    // Unpaired attributes cost no API call: the test stays fast.
    const line = 'c,7d1c4b0e-0000-4000-8000-000000000002,blackListMobile,true,2026-01-01 00:00:00.000Z\n';
    const name = await putFile(HEADER + line.repeat(LINES_PER_CHUNK + 1));

    const first = await bidirectional.applyOptOutFile({ file: name, fromLine: 2, reportId: 'chunks-1' });
    expect(first).toEqual({
      nextLine: LINES_PER_CHUNK + 2,
      nextByte: HEADER.length + LINES_PER_CHUNK * line.length,
      counts: expect.objectContaining({ read: LINES_PER_CHUNK }),
    });
    const last = await bidirectional.applyOptOutFile({
      file: name,
      fromLine: LINES_PER_CHUNK + 2,
      reportId: 'chunks-1',
    });
    expect(last).toEqual({ counts: expect.objectContaining({ read: 1, skipped: 1 }) });
  });

  it('reads the next chunk of a plain file from the byte the last one ended at, not from the start', async () => {
    const line = 'c,7d1c4b0e-0000-4000-8000-000000000002,blackListMobile,true,2026-01-01 00:00:00.000Z\n';
    const name = await putFile(HEADER + line.repeat(LINES_PER_CHUNK + 1));
    const first = await bidirectional.applyOptOutFile({ file: name, fromLine: 2, reportId: 'bytes-1' });
    // The first chunk's bytes become one line: read from the start, the last line would be line 3, not the next one.
    const file = path.join(folder, name);
    const text = await readFile(file, 'utf8');
    const chunkEnd = first.nextByte as number;
    await writeFile(file, HEADER + 'x'.repeat(chunkEnd - HEADER.length - 1) + '\n' + text.slice(chunkEnd));

    const last = await bidirectional.applyOptOutFile({
      file: name,
      fromLine: first.nextLine as number,
      fromByte: chunkEnd,
      reportId: 'bytes-1',
    });

    expect(last).toEqual({ counts: expect.objectContaining({ read: 1, skipped: 1, rejected: 0 }) });
  });

  it('reads the contacts of a chunk 50 to a request, and a contact named twice again before its second line', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i += 1) ids.push(await s.createPair({ email: true }, { email: true }));
    const twice = await s.createPair({ email: false }, { email: true });
    const at = '2026-01-01 00:00:00.000Z';
    const lines = [...ids, twice, twice].map((id) => `c,${id},blackListEmail,true,${at}\n`);
    const name = await putFile(HEADER + lines.join(''));
    const contactReads = () =>
      s.dynamicsSim.requests.filter((r) => r.method === 'GET' && r.url.includes('/contacts?')).length;

    const before = contactReads();
    const result = await bidirectional.applyOptOutFile({ file: name, fromLine: 2, reportId: 'prefetch-1' });

    // 61 contacts: two reads of up to 50 ids, then one more for the contact's second line.
    expect(contactReads() - before).toBe(3);
    expect(result.counts).toEqual(expect.objectContaining({ read: 62, applied: 1, missing: 0, rejected: 0 }));
    expect((await s.d365(twice)).donotemail).toBe(true);
  });

  it('finds a file without the required columns unreadable, and waits for a truncated gzip file', async () => {
    const noValue = await putFile('changeId,externalId,attribute,changedAt\n');
    const malformed = await bidirectional.applyOptOutFile({ file: noValue, fromLine: 2, reportId: 'bad-1' });
    expect(malformed.trouble).toEqual({ kind: 'unreadable', line: 1, reason: 'the header lacks the columns: value' });
    expect(malformed.counts.rejected).toBe(1);

    const whole = gzipSync(HEADER + 'c1,x,blackListEmail,true,2026-01-01 00:00:00.000Z\n'.repeat(50));
    const truncated = await putFile(whole.subarray(0, Math.floor(whole.length / 2)), true);
    const incomplete = await failureOf(
      bidirectional.applyOptOutFile({ file: truncated, fromLine: 2, reportId: 'bad-2' })
    );
    expect(incomplete.type).toBe(OPT_OUT_FILE_INCOMPLETE);
    expect(incomplete.nonRetryable).toBe(false);
  });

  it('lists every complete file, archives to processed/ idempotently, and refuses other names', async () => {
    const a = await putFile(HEADER);
    const b = await putFile(HEADER);
    await writeFile(path.join(folder, 'optouts_20260101000000_999999.csv.part'), HEADER);
    await writeFile(path.join(folder, 'notes.txt'), 'not an export');

    const listed = (await bidirectional.listOptOutFiles({})).files.map((file) => file.name);
    expect(listed).toEqual(expect.arrayContaining([a, b]));
    expect(listed.some((file) => file.endsWith('.part') || file === 'notes.txt')).toBe(false);

    await bidirectional.settleOptOutFile({ file: b, as: 'processed' });
    await bidirectional.settleOptOutFile({ file: b, as: 'processed' });
    expect(await readdir(path.join(folder, 'processed'))).toContain(b);
    expect((await bidirectional.listOptOutFiles({})).files.map((file) => file.name)).not.toContain(b);

    const refused = await failureOf(
      bidirectional.settleOptOutFile({ file: '../imports/profile.csv', as: 'processed' })
    );
    expect(refused.type).toBe(CONFIG_ERROR);
  });
});

describe('preflight', () => {
  it('accepts Boolean contact columns', async () => {
    expect(await bidirectional.preflightOptOut({})).toEqual({ problems: [] });
  });

  it('refuses a missing column, a column that is not Boolean and a column paired twice, and says how to fix each', async () => {
    const activities = s.activities(
      optOutBlock('bidirectional', [
        { campaign: 'denyListEmail', dynamics: 'donotemial' },
        { campaign: 'denyListPhone', dynamics: 'emailaddress1' },
        { campaign: 'denyListFax', dynamics: 'donotfax' },
        { campaign: 'denyListPostalMail', dynamics: 'donotfax' },
      ])
    );

    const { problems } = await activities.preflightOptOut({});

    expect(problems).toEqual([
      {
        path: 'optOut.pairs[3].dynamics',
        message: expect.stringContaining('donotfax is already paired in optOut.pairs[2]') as string,
      },
      {
        path: 'optOut.pairs[0].dynamics',
        message: expect.stringMatching(/has no column donotemial; .*e\.g\. one of .*donotemail/) as string,
      },
      {
        path: 'optOut.pairs[1].dynamics',
        message: expect.stringContaining(
          'contact.emailaddress1 is of type String; an opt-out needs a Boolean'
        ) as string,
      },
    ]);
  });

  it('refuses a mode that is on without pairs', async () => {
    const { problems } = await s.activities(optOutBlock('campaign-to-d365', [])).preflightOptOut({});
    expect(problems).toEqual([
      { path: 'optOut.pairs', message: expect.stringContaining('needs at least one pair') as string },
    ]);
  });

  it('writes the D365 side of many profiles in $batch requests, not one request per contact', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push(await s.createPair({ email: false }, { email: true }));
    const name = await putFile(
      HEADER + ids.map((id, i) => `b${i},${id},blackListEmail,true,2026-01-01 00:00:00.000Z\n`).join('')
    );
    const mark = s.dynamicsSim.requests.length;

    const result = await bidirectional.applyOptOutFile({ file: name, fromLine: 2, reportId: 'batched-1' });

    expect(result.counts).toMatchObject({ read: 120, applied: 120, rejected: 0 });
    const writes = s.dynamicsSim.requests.slice(mark).filter((r) => r.method !== 'GET');
    expect(writes.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(writes.filter((r) => r.url.endsWith('/$batch')).length).toBeGreaterThanOrEqual(2);
    for (const id of ids) expect((await s.d365(id)).donotemail).toBe(true);
  }, 60_000);
});
