import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EgressRejectsReport } from '../../src/activities/egress/rejects-report';

describe('the egress rejects report', () => {
  let folder: string;
  beforeEach(async () => void (folder = await mkdtemp(path.join(tmpdir(), 'egress-rejects-'))));
  afterEach(async () => rm(folder, { recursive: true, force: true }));

  it('has one header when slices of several files append their first rejects at once', async () => {
    const reject = (file: string, line: number) => ({ file, line, eventId: `e${line}`, reason: 'no such contact' });
    await Promise.all(
      ['events_20260101000000_000001.csv', 'events_20260101000000_000002.csv', 'events_20260101000000_000003.csv'].map(
        (file) => new EgressRejectsReport(folder, 'egress-pass-1-abcd1234').append([reject(file, 2), reject(file, 3)])
      )
    );
    const lines = (await readFile(path.join(folder, 'egress', 'egress-pass-1-abcd1234.csv'), 'utf8')).trimEnd();
    const rows = lines.split('\n');
    expect(rows.filter((row) => row === 'file,line,eventId,reason')).toHaveLength(1);
    expect(rows[0]).toBe('file,line,eventId,reason');
    expect(rows).toHaveLength(7);
  });
});
