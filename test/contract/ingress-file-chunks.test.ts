import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type WriteIngressChunkResult } from '../../src/activities/ingress/contracts';
import { RejectsReport } from '../../src/activities/ingress/rejects-report';
import { writeChunk } from '../../src/activities/ingress/write-chunk';
import { createIngressFileActivities } from '../../src/activities/ingress/write-chunk-activities';
import { importColumns } from '../../src/sync/ingress/import-csv';
import {
  byHeader,
  d365Contacts,
  expectedCells,
  listDir,
  readChunk,
  SELECT,
  startFileStack,
  type FileStack,
} from '../harness/ingress-file-fixture';
import { CONFIG_ERROR, INGRESS_INPUT_ERROR } from '../../src/sync/failure-types';

const BATCH = '20260101120000';

describe('initial transfer, file path: gzip CSV chunks on the Campaign SFTP', () => {
  let stack: FileStack;
  let activities: ReturnType<typeof createIngressFileActivities>;

  beforeAll(async () => {
    stack = await startFileStack({ contacts: 2_500, chunkRows: 1_000, pageSize: 250 });
    activities = createIngressFileActivities(stack.resources, stack.plans);
  });
  afterAll(() => stack?.close());

  /** Writes chunks from the start of a full read until the delta link; `between` runs after each chunk. */
  async function writeAll(batchId: string, between?: (chunk: number) => Promise<void>) {
    const chunks: WriteIngressChunkResult[] = [];
    let link: string | undefined;
    for (let chunkNumber = 1; chunkNumber < 10; chunkNumber += 1) {
      const chunk = await activities.writeIngressChunk({
        mapping: 'contacts',
        batchId,
        chunkNumber,
        reportId: `test-${batchId}`,
        ...(link !== undefined ? { link } : {}),
      });
      chunks.push(chunk);
      if (chunk.deltaLink !== undefined) return chunks;
      link = chunk.nextLink;
      await between?.(chunkNumber);
    }
    throw new Error('the read did not end within 9 chunks');
  }

  it('writes 2,500 contacts as three chunks of whole pages whose rows decode back to the D365 values', async () => {
    const chunks = await writeAll(BATCH);
    expect(chunks.map((c) => c.fileName)).toEqual([
      `profile_${BATCH}_000001.csv.gz`,
      `profile_${BATCH}_000002.csv.gz`,
      `profile_${BATCH}_000003.csv.gz`,
    ]);
    expect(chunks.map((c) => c.rows)).toEqual([1_000, 1_000, 500]);
    expect(chunks.map((c) => [c.nextLink !== undefined, c.deltaLink !== undefined])).toEqual([
      [true, false],
      [true, false],
      [false, true],
    ]);
    expect(chunks.map((c) => c.counts)).toEqual(
      [1_000, 1_000, 500].map((read) => ({
        read,
        created: 0,
        updated: 0,
        unchanged: 0,
        deleted: 0,
        filteredOut: 0,
        rejected: 0,
        waiting: 0,
      }))
    );
    // Only complete files: no `.part` left behind.
    expect(await listDir(stack.importDir)).toEqual(chunks.map((c) => c.fileName));

    const d365 = await d365Contacts(stack.d365);
    const seen = new Set<string>();
    for (const chunk of chunks) {
      const { header, rows } = await readChunk(stack.importDir, chunk.fileName);
      expect(header).toEqual(importColumns(stack.plan));
      expect(header).toEqual(['externalId', 'firstName', 'lastName', 'email', 'birthDate', 'gender', 'blackListEmail']);
      expect(rows).toHaveLength(chunk.rows);
      expect(chunk.bytes).toBe((await readFile(join(stack.importDir, chunk.fileName))).length);
      for (const row of rows) {
        const cells = byHeader(header, row);
        const source = d365.get(cells.externalId ?? '');
        if (!source) throw new Error(`chunk row with unknown key ${cells.externalId}`);
        expect(cells).toEqual(expectedCells(source));
        expect(seen.has(cells.externalId ?? '')).toBe(false);
        seen.add(cells.externalId ?? '');
      }
    }
    expect(seen.size).toBe(2_500);
    // Empty cells clear: some seeded contacts have no birth date, and their cell is empty.
    const { header, rows } = await readChunk(stack.importDir, chunks[0]?.fileName ?? '');
    expect(rows.some((row) => byHeader(header, row).birthDate === '')).toBe(true);
  });

  it('resumes from a next link: writes the following chunk only, byte for byte the same on a retry', async () => {
    const requestsBefore = stack.dynamics.sim.requests.length;
    const first = await activities.writeIngressChunk({
      mapping: 'contacts',
      batchId: BATCH,
      chunkNumber: 1,
      reportId: `test-${BATCH}`,
    });
    // Four pages of 250 and not one more: the chunk stops at a page boundary without reading ahead.
    const pageReads = stack.dynamics.sim.requests
      .slice(requestsBefore)
      .filter((request) => request.method === 'GET' && request.url.includes('/contacts'));
    expect(pageReads).toHaveLength(4);
    const secondName = `profile_${BATCH}_000002.csv.gz`;
    const before = await readFile(join(stack.importDir, secondName));
    const again = await activities.writeIngressChunk({
      mapping: 'contacts',
      batchId: BATCH,
      chunkNumber: 2,
      reportId: `test-${BATCH}`,
      ...(first.nextLink !== undefined ? { link: first.nextLink } : {}),
    });
    expect(again.fileName).toBe(secondName);
    expect(again.rows).toBe(1_000);
    expect(await readFile(join(stack.importDir, secondName))).toEqual(before);
    const firstRows = (await readChunk(stack.importDir, first.fileName)).rows.map((row) => row[0]);
    const secondRows = (await readChunk(stack.importDir, secondName)).rows.map((row) => row[0]);
    expect(firstRows.filter((key) => secondRows.includes(key))).toEqual([]);
    expect(await listDir(stack.importDir)).toHaveLength(3);
  });

  it('an interrupted chunk, retried, leaves exactly one complete file', async () => {
    const batchId = '20260101130000';
    const fileName = `profile_${batchId}_000001.csv.gz`;
    const abort = new AbortController();
    const heartbeats: number[] = [];
    const interrupted = writeChunk(
      { mapping: 'contacts', batchId, chunkNumber: 1, reportId: 'test-interrupted' },
      {
        dynamics: stack.d365,
        sftp: stack.sftp,
        source: { plan: stack.plan, table: { entitySetName: 'contacts' } },
        resource: 'profile',
        chunkRows: 1_000,
        pageSize: 250,
        rejects: new RejectsReport(stack.reportsFolder, 'contacts', 'test-interrupted'),
        signal: abort.signal,
        heartbeat: (progress) => {
          heartbeats.push(progress.rows);
          if (progress.rows >= 500) abort.abort(new Error('activity cancelled'));
        },
      }
    );
    await expect(interrupted).rejects.toThrow('activity cancelled');
    expect(heartbeats).toEqual([0, 250, 500]);
    expect((await listDir(stack.importDir)).filter((name) => name.startsWith(fileName))).not.toContain(fileName);

    const retried = await activities.writeIngressChunk({
      mapping: 'contacts',
      batchId,
      chunkNumber: 1,
      reportId: 'test-interrupted',
    });
    expect(retried.rows).toBe(1_000);
    expect((await listDir(stack.importDir)).filter((name) => name.startsWith(fileName))).toEqual([fileName]);
    const original = await readFile(join(stack.importDir, `profile_${BATCH}_000001.csv.gz`));
    expect(await readFile(join(stack.importDir, fileName))).toEqual(original);
  });

  it('rows changed during the transfer are in the delta that follows its last chunk, exactly once', async () => {
    const batchId = '20260101140000';
    let updatedId = '';
    let createdId = '';
    const chunks = await writeAll(batchId, async (chunk) => {
      if (chunk !== 1) return;
      const { rows } = await readChunk(stack.importDir, `profile_${batchId}_000001.csv.gz`);
      updatedId = rows[10]?.[0] ?? '';
      await stack.d365.update('contacts', updatedId, { firstname: 'Changed' });
      createdId = String(
        (await stack.d365.create('contacts', { firstname: 'New', lastname: 'Contact', emailaddress1: 'n@example.com' }))
          .id
      );
    });
    expect(updatedId).not.toBe('');
    const chunkRows = new Map<string, Record<string, string>[]>();
    for (const chunk of chunks) {
      const { header, rows } = await readChunk(stack.importDir, chunk.fileName);
      for (const row of rows) {
        const cells = byHeader(header, row);
        chunkRows.set(cells.externalId ?? '', [...(chunkRows.get(cells.externalId ?? '') ?? []), cells]);
      }
    }
    // Every key once across the chunks; the updated row was read before its change.
    expect([...chunkRows.values()].every((found) => found.length === 1)).toBe(true);
    expect(chunkRows.get(updatedId)?.[0]?.firstName).not.toBe('Changed');

    const deltaLink = chunks[chunks.length - 1]?.deltaLink ?? '';
    const delta: Record<string, unknown>[] = [];
    for await (const page of stack.d365.readChanges('contacts', { select: SELECT, deltaLink })) {
      delta.push(...page.upserts);
      expect(page.deletes).toEqual([]);
    }
    expect(delta.map((row) => row.contactid).sort()).toEqual([updatedId, createdId].sort());
    expect(delta.find((row) => row.contactid === updatedId)?.firstname).toBe('Changed');
  });

  it('refuses a batch id or chunk number that cannot name a file, without retrying', async () => {
    await expect(
      activities.writeIngressChunk({ mapping: 'contacts', batchId: '2026-01-01', chunkNumber: 1, reportId: 'x' })
    ).rejects.toMatchObject({ nonRetryable: true, type: INGRESS_INPUT_ERROR });
    await expect(
      activities.writeIngressChunk({ mapping: 'contacts', batchId: BATCH, chunkNumber: 0, reportId: 'x' })
    ).rejects.toMatchObject({ nonRetryable: true, type: INGRESS_INPUT_ERROR });
    await expect(
      activities.writeIngressChunk({ mapping: 'nope', batchId: BATCH, chunkNumber: 1, reportId: 'x' })
    ).rejects.toMatchObject({ nonRetryable: true, type: CONFIG_ERROR });
  });
});
