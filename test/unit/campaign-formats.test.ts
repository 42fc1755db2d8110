import { Readable } from 'node:stream';
import { changedFields, formatAcsDate, formatAcsDateTime, parseAcsDate } from '../../src/connectors/campaign';
import { csvLine, parseCsv } from '../../src/sandbox/campaign';

async function parse(chunks: string[], separator = ','): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const row of parseCsv(Readable.from(chunks.map((c) => Buffer.from(c, 'utf8'))), separator)) rows.push(row);
  return rows;
}

describe('ACS dates', () => {
  it('formats date-times as "YYYY-MM-DD HH:mm:ss.SSSZ" and dates as YYYY-MM-DD', () => {
    const date = new Date('2019-09-25T23:20:35Z');
    expect(formatAcsDateTime(date)).toBe('2019-09-25 23:20:35.000Z');
    expect(formatAcsDate(date)).toBe('2019-09-25');
  });

  it('parses ACS, Load-file and ISO forms, and refuses other text', () => {
    const moment = Date.parse('2019-09-25T23:20:35.120Z');
    expect(parseAcsDate('2019-09-25 23:20:35.120Z')?.getTime()).toBe(moment);
    expect(parseAcsDate('2019/09/25 23:20:35.12')?.getTime()).toBe(moment);
    expect(parseAcsDate('2019-09-26T01:20:35.120+02:00')?.getTime()).toBe(moment);
    expect(parseAcsDate('2019-09-25')?.toISOString()).toBe('2019-09-25T00:00:00.000Z');
    expect(parseAcsDate('25/09/2019')).toBeUndefined();
    expect(parseAcsDate('2019-13-45 99:99:99')).toBeUndefined();
  });
});

describe('CSV', () => {
  it('parses quoted fields, doubled quotes, separators and newlines inside quotes, CRLF and a BOM', async () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"multi\nline",\n';
    expect(await parse([text])).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'multi\nline', ''],
    ]);
  });

  it('handles records and multi-byte characters split across chunks, and a last line without newline', async () => {
    const bytes = Buffer.from('name;city\nZoë;"Köln"\nLast;Row', 'utf8');
    const rows: string[][] = [];
    for await (const row of parseCsv(
      Readable.from([bytes.subarray(0, 13), bytes.subarray(13, 14), bytes.subarray(14)]),
      ';'
    ))
      rows.push(row);
    expect(rows).toEqual([
      ['name', 'city'],
      ['Zoë', 'Köln'],
      ['Last', 'Row'],
    ]);
  });

  it('refuses a file that ends inside quotes', async () => {
    await expect(parse(['a,"b\n'])).rejects.toThrow(/inside a quoted field/);
  });

  it('writes lines that parse back to the same values', async () => {
    const values = ['plain', 'with,comma', 'with "quote"', 'two\nlines', '', 42, true, null];
    expect(await parse([csvLine(values)])).toEqual([
      ['plain', 'with,comma', 'with "quote"', 'two\nlines', '', '42', 'true', ''],
    ]);
  });
});

describe('changedFields (upsert diff)', () => {
  const existing = {
    PKey: '@a',
    firstName: 'Ann',
    lastName: '',
    age: 33,
    blackListEmail: false,
    birthDate: '1990-01-02',
    lastModified: '2026-01-01 10:00:00.000Z',
    profile: { href: 'https://mc.adobe.io/acme/campaign/profileAndServicesExt/profile/@p1' },
  };

  it('finds nothing to write when values are equal in ACS terms', () => {
    expect(
      changedFields(existing, {
        firstName: 'Ann',
        lastName: null,
        blackListEmail: false,
        birthDate: new Date('1990-01-02T00:00:00Z'),
        lastModified: '2026-01-01T10:00:00Z',
        profile: { PKey: '@p1' },
      })
    ).toEqual({});
  });

  it('returns only the fields that differ, and skips ignored (key) fields', () => {
    expect(
      changedFields(
        existing,
        { firstName: 'Anna', lastName: 'Lee', blackListEmail: true, profile: { PKey: '@p2' }, externalId: 'k' },
        ['externalId']
      )
    ).toEqual({ firstName: 'Anna', lastName: 'Lee', blackListEmail: true, profile: { PKey: '@p2' } });
  });
});
