import { type IngressMapping } from '../../../src/config/schema';
import { parseCsv } from '../../../src/sandbox/campaign/csv';
import {
  buildIngressPlan,
  mapRecord,
  type CampaignField,
  type CampaignValue,
  type D365Column,
  type IngressPlan,
} from '../../../src/sync/ingress';
import { parse as csvParse } from 'csv-parse';
import {
  cellText,
  encodeImportRow,
  importColumns,
  importHeader,
  plainNumber,
} from '../../../src/sync/ingress/import-csv';
import { csvField, csvLine } from '../../../src/sync/csv-write';
import { Readable } from 'node:stream';

const columns: D365Column[] = [
  { logicalName: 'contactid', type: 'Uniqueidentifier' },
  { logicalName: 'firstname', type: 'String' },
  { logicalName: 'birthdate', type: 'DateTime', dateOnly: true },
  { logicalName: 'modifiedon', type: 'DateTime' },
  { logicalName: 'donotemail', type: 'Boolean' },
  { logicalName: 'creditlimit', type: 'Money' },
];
const fields: CampaignField[] = [
  { name: 'externalId', type: 'string' },
  { name: 'firstName', type: 'string' },
  { name: 'birthDate', type: 'date' },
  { name: 'lastSeen', type: 'datetime' },
  { name: 'blackListEmail', type: 'boolean' },
  { name: 'creditLimit', type: 'double' },
];

function plan(fieldsOverride?: IngressMapping['fields']): IngressPlan {
  const mapping: IngressMapping = {
    name: 'contacts',
    from: 'contact',
    to: 'profile',
    key: { from: 'contactid', to: 'externalId' },
    fields: fieldsOverride ?? [
      { from: 'firstname', to: 'firstName', applyUpdates: true },
      { from: 'birthdate', to: 'birthDate', applyUpdates: false },
      { from: 'modifiedon', to: 'lastSeen', applyUpdates: true },
      { from: 'donotemail', to: 'blackListEmail', applyUpdates: true },
      { from: 'creditlimit', to: 'creditLimit', applyUpdates: true },
    ],
    replacements: [],
    deletes: false,
    picklists: 'label',
    every: '5m',
    initialTransfer: { fileThreshold: 500_000, chunkRows: 100_000, importTimeout: '6h' },
  };
  const result = buildIngressPlan(mapping, 0, columns, fields);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.plan;
}

async function parse(text: string): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const row of parseCsv(Readable.from([text]), ',')) rows.push(row);
  return rows;
}

describe('import file columns', () => {
  it('puts the key field first, then the mapped fields in configuration order', () => {
    expect(importColumns(plan())).toEqual([
      'externalId',
      'firstName',
      'birthDate',
      'lastSeen',
      'blackListEmail',
      'creditLimit',
    ]);
    expect(importHeader(importColumns(plan()))).toBe(
      'externalId,firstName,birthDate,lastSeen,blackListEmail,creditLimit\n'
    );
  });

  it('lists the key once when it is also mapped as a field', () => {
    const withKey = plan([
      { from: 'contactid', to: 'externalId', applyUpdates: true },
      { from: 'firstname', to: 'firstName', applyUpdates: true },
    ]);
    expect(importColumns(withKey)).toEqual(['externalId', 'firstName']);
  });
});

describe('CSV fields (RFC 4180)', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['carriage\rreturn', '"carriage\rreturn"'],
    ['"', '""""'],
    [' padded ', ' padded '],
    ['Zoë 日本', 'Zoë 日本'],
  ])('%j → %j', (text, encoded) => {
    expect(csvField(text)).toBe(encoded);
  });
});

describe('cell values', () => {
  it.each<[CampaignValue | undefined, string]>([
    [null, ''],
    [undefined, ''],
    ['', ''],
    [true, 'true'],
    [false, 'false'],
    [0, '0'],
    [-12, '-12'],
    [12.5, '12.5'],
    [0.1, '0.1'],
    ['2026-01-02 03:04:05.000Z', '2026-01-02 03:04:05.000Z'],
  ])('%j → %j', (value, text) => {
    expect(cellText(value)).toBe(text);
  });

  it.each([
    [1e21, '1000000000000000000000'],
    [1.5e21, '1500000000000000000000'],
    [-2.25e22, '-22500000000000000000000'],
    [1e-7, '0.0000001'],
    [-1.25e-8, '-0.0000000125'],
    [123456789012, '123456789012'],
  ])('writes %p without an exponent: %s', (value, text) => {
    expect(plainNumber(value)).toBe(text);
    expect(Number(text)).toBe(value);
  });
});

describe('encoded records', () => {
  it('encodes mapRecord output: ACS dates, booleans, numbers, and empty cells for null', async () => {
    const mapped = mapRecord(
      {
        contactid: 'c-1',
        firstname: 'Ann, "Nan"\nSmith',
        birthdate: '1990-05-17',
        modifiedon: '2026-01-02T03:04:05Z',
        donotemail: true,
        creditlimit: null,
      },
      plan(),
      'full'
    );
    if (mapped.kind !== 'write') throw new Error(`expected a write, got ${mapped.kind}`);
    const cols = importColumns(plan());
    const line = encodeImportRow(cols, mapped.values);
    expect(line.endsWith('\n')).toBe(true);
    const [header, row] = await parse(importHeader(cols) + line);
    expect(header).toEqual(cols);
    expect(row).toEqual(['c-1', 'Ann, "Nan"\nSmith', '1990-05-17', '2026-01-02 03:04:05.000Z', 'true', '']);
  });

  it('writes an empty cell for a column the record does not carry', () => {
    expect(encodeImportRow(['externalId', 'firstName', 'email'], { externalId: 'k', email: null })).toBe('k,,\n');
  });
});

describe('reading CSV records back (rejects files)', () => {
  const records = [
    ['recordNumber', 'key', 'errorCode', 'errorMessage'],
    ['2', 'k-1', 'RST-360012', "The value of 'firstName' is too long"],
    ['3', 'a|b', '', 'quote " and, comma'],
    ['4', '', 'X', 'multi\nline\r\nmessage'],
    ['5', '""', 'Y', ''],
  ];

  it('reads what csvLine writes, split at any byte', async () => {
    const bytes = Buffer.from(records.map((record) => csvLine(record)).join(''), 'utf8');
    for (const size of [1, 3, 7, bytes.length]) {
      const parts: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
      const read: string[][] = [];
      for await (const record of readCsv(Readable.from(parts))) read.push(record);
      expect(read).toEqual(records);
    }
  });

  it('accepts CRLF, a byte-order mark, blank lines and a last line without a line end', async () => {
    const read: string[][] = [];
    for await (const record of readCsv(Readable.from(['\uFEFFa,b\r\n\r\n"c ""q""",\r\n', 'd,e']))) {
      read.push(record);
    }
    expect(read).toEqual([
      ['a', 'b'],
      ['c "q"', ''],
      ['d', 'e'],
    ]);
  });
});

describe('profile links', () => {
  it('names a link column <link>.externalId; its cells keep the contact id, empty for no link', () => {
    const cols = ['crmId', 'amount', 'profile'];
    expect(importHeader(cols, ['profile'])).toBe('crmId,amount,profile.externalId\n');
    expect(encodeImportRow(cols, { crmId: 'o-1', amount: 3.5, profile: 'c-9' })).toBe('o-1,3.5,c-9\n');
    expect(encodeImportRow(cols, { crmId: 'o-2', amount: 1, profile: null })).toBe('o-2,1,\n');
  });

  it('names a link to another custom resource <link>.<its key field>, next to a profile link', () => {
    const cols = ['membershipId', 'profile', 'program'];
    const links = [{ field: 'program', keyField: 'programId' }];
    expect(importHeader(cols, ['profile'], links)).toBe('membershipId,profile.externalId,program.programId\n');
    expect(importHeader(cols, [], links)).toBe('membershipId,profile,program.programId\n');
  });
});

/** Reads CSV as the worker reads Campaign's files (csv-parse, as in campaign-import.ts). */
function readCsv(source: Readable): AsyncIterable<string[]> {
  return source.pipe(csvParse({ bom: true, relax_column_count: true, skip_empty_lines: true })) as AsyncIterable<
    string[]
  >;
}
