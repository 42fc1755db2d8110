import { Readable } from 'node:stream';
import {
  EVENT_FILE_COLUMNS,
  eventColumns,
  eventFilesAfter,
  isEventFileName,
  isSelected,
  numberedCsvRecords,
  parseEventRecord,
  type EmailEvent,
  type EventColumns,
} from '../../../src/sync/egress';

const CONTACT = '0A1B2C3D-0000-4000-8000-000000000001';

function columnsOf(header: readonly string[]): EventColumns {
  const result = eventColumns(header);
  if (!result.ok) throw new Error(`missing ${result.missing.join(',')}`);
  return result.columns;
}

const HEADER = [...EVENT_FILE_COLUMNS];
const COLUMNS = columnsOf(HEADER);

function record(values: Partial<Record<(typeof EVENT_FILE_COLUMNS)[number], string>>): string[] {
  const full: Record<string, string> = {
    eventId: 'send-1',
    eventType: 'send',
    eventDate: '2026-01-02 03:04:05.000Z',
    externalId: CONTACT,
    campaignId: 'CAMP1',
    deliveryId: 'DM1',
    deliveryLabel: 'Label',
    mirrorPageUrl: 'https://m.example.com/1',
    trackingUrl: '',
    bounceType: '',
    bounceReason: '',
    ...values,
  };
  return HEADER.map((column) => full[column] ?? '');
}

type ParsedRecord = { line: number; start: number; fields: string[]; unterminated?: true };

async function records(text: string | Buffer[], from?: { byte: number; line: number }): Promise<ParsedRecord[]> {
  const out = [];
  const chunks = typeof text === 'string' ? [Buffer.from(text)] : text;
  for await (const item of numberedCsvRecords(Readable.from(chunks), from)) out.push(item);
  return out;
}

/** The same bytes cut into chunks of `size`, so every delimiter and character meets a chunk boundary somewhere. */
function chunked(bytes: Buffer, size: number): Buffer[] {
  const chunks = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

describe('eventColumns', () => {
  it('finds columns by name in any order, ignoring extra columns, a BOM and blanks', () => {
    const header = ['\uFEFFextra', ...[...HEADER].reverse().map((name) => ` ${name} `)];
    const result = eventColumns(header);
    expect(result.ok && result.columns.eventId).toBe(header.length - 1);
    expect(result.ok && result.columns.bounceReason).toBe(1);
  });

  it('names every missing column', () => {
    expect(eventColumns(['eventId', 'eventDate'])).toEqual({
      ok: false,
      missing: HEADER.filter((name) => name !== 'eventId' && name !== 'eventDate'),
    });
  });
});

describe('parseEventRecord', () => {
  it('types a send, lower-casing the contact id and parsing the ACS date', () => {
    expect(parseEventRecord(record({}), COLUMNS, HEADER.length)).toEqual({
      ok: true,
      event: {
        eventId: 'send-1',
        type: 'send',
        date: new Date('2026-01-02T03:04:05.000Z'),
        contactId: CONTACT.toLowerCase(),
        campaignId: 'CAMP1',
        deliveryId: 'DM1',
        deliveryLabel: 'Label',
        mirrorPageUrl: 'https://m.example.com/1',
        trackingUrl: '',
        bounceReason: '',
      },
    });
  });

  it.each([
    ['2026/01/02 03:04:05', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02 03:04:05.5Z', '2026-01-02T03:04:05.500Z'],
    ['2026-01-02T03:04:05+01:00', '2026-01-02T02:04:05.000Z'],
  ])('accepts the date variant %s', (text, iso) => {
    const parsed = parseEventRecord(record({ eventDate: text }), COLUMNS, HEADER.length);
    expect(parsed.ok && parsed.event.date.toISOString()).toBe(iso);
  });

  it('keeps the tracking URL of a click only, and the bounce type and reason of a bounce only', () => {
    const click = parseEventRecord(record({ eventType: 'click', trackingUrl: 'https://x.example.com' }), COLUMNS, 11);
    expect(click.ok && click.event.trackingUrl).toBe('https://x.example.com');
    const open = parseEventRecord(
      record({ eventType: 'open', trackingUrl: 'https://x', bounceReason: 'r' }),
      COLUMNS,
      11
    );
    expect(open.ok && [open.event.trackingUrl, open.event.bounceReason, open.event.bounceType]).toEqual([
      '',
      '',
      undefined,
    ]);
    const bounce = parseEventRecord(
      record({ eventType: 'bounce', bounceType: 'Soft', bounceReason: 'Mailbox full' }),
      COLUMNS,
      11
    );
    expect(bounce.ok && [bounce.event.bounceType, bounce.event.bounceReason]).toEqual(['soft', 'Mailbox full']);
  });

  it.each<[string, Partial<Record<(typeof EVENT_FILE_COLUMNS)[number], string>>, string]>([
    ['an empty event id', { eventId: ' ' }, 'eventId is empty'],
    ['a too long event id', { eventId: 'x'.repeat(101) }, 'eventId is longer than 100'],
    ['an unknown type', { eventType: 'Send' }, 'eventType is not send, open, click or bounce'],
    ['a bad date', { eventDate: '02.01.2026' }, 'eventDate is not a date-time'],
    ['an empty date', { eventDate: '' }, 'eventDate is not a date-time'],
    [
      'a contact id that is not a GUID',
      { externalId: 'jane@example.com' },
      'externalId is not a D365 contact id (GUID)',
    ],
    ['an empty delivery id', { deliveryId: '' }, 'deliveryId is empty'],
    ['a click without URL', { eventType: 'click', trackingUrl: '' }, 'trackingUrl is empty on a click'],
    ['a bounce without type', { eventType: 'bounce', bounceType: '' }, 'bounceType is not Hard, Soft or Ignored'],
    [
      'a bounce of unknown type',
      { eventType: 'bounce', bounceType: 'Medium' },
      'bounceType is not Hard, Soft or Ignored',
    ],
  ])('refuses %s without quoting the value', (_what, values, reason) => {
    const parsed = parseEventRecord(record(values), COLUMNS, HEADER.length);
    expect(parsed).toEqual({ ok: false, reason });
    expect(JSON.stringify(parsed)).not.toContain('jane@example.com');
  });

  it('refuses a record whose field count differs from the header', () => {
    expect(parseEventRecord(['send-1', 'send'], COLUMNS, HEADER.length)).toEqual({
      ok: false,
      reason: 'has 2 fields, the header has 11',
    });
  });
});

describe('isSelected', () => {
  const event = (type: EmailEvent['type'], bounceType?: EmailEvent['bounceType']): EmailEvent => ({
    eventId: 'e',
    type,
    date: new Date(0),
    contactId: CONTACT,
    campaignId: '',
    deliveryId: 'DM1',
    deliveryLabel: '',
    mirrorPageUrl: '',
    trackingUrl: '',
    bounceReason: '',
    ...(bounceType ? { bounceType } : {}),
  });
  const on = { send: true, open: true, click: true, bounce: true };

  it.each<[string, EmailEvent, Partial<typeof on>, ('hard' | 'soft' | 'ignored')[], boolean]>([
    ['a send when sends are on', event('send'), {}, ['hard'], true],
    ['a send when sends are off', event('send'), { send: false }, ['hard'], false],
    ['an open when opens are off', event('open'), { open: false }, ['hard'], false],
    ['a click when clicks are off', event('click'), { click: false }, ['hard'], false],
    ['a hard bounce by default', event('bounce', 'hard'), {}, ['hard'], true],
    ['a soft bounce by default', event('bounce', 'soft'), {}, ['hard'], false],
    ['a soft bounce when soft is listed', event('bounce', 'soft'), {}, ['hard', 'soft'], true],
    ['an ignored bounce when listed', event('bounce', 'ignored'), {}, ['ignored'], true],
    ['a hard bounce when bounces are off', event('bounce', 'hard'), { bounce: false }, ['hard'], false],
  ])('%s → %s', (_what, item, switches, bounceTypes, expected) => {
    expect(isSelected(item, { events: { ...on, ...switches }, bounceTypes })).toBe(expected);
  });
});

describe('event file names', () => {
  it.each([
    ['events_20260101120000_000001.csv', true],
    ['events_20260101120000_000001.csv.gz', true],
    ['events_20260101120000_000001.csv.part', false],
    ['events_20260101120000_000001.csv.gz.part', false],
    ['optouts_20260101120000_000001.csv', false],
    ['events_2026010112000_000001.csv', false],
    ['events_20260101120000_1.csv', false],
    ['processed', false],
  ])('%s → %s', (name, expected) => {
    expect(isEventFileName(name)).toBe(expected);
  });

  it('lists names after the cursor in lexical order, leaving out others', () => {
    const names = [
      'events_20260102000000_000001.csv',
      'notes.txt',
      'events_20260101000000_000002.csv.gz',
      'events_20260101000000_000001.csv',
      'events_20260103000000_000001.csv.part',
    ];
    expect(eventFilesAfter(names)).toEqual([
      'events_20260101000000_000001.csv',
      'events_20260101000000_000002.csv.gz',
      'events_20260102000000_000001.csv',
    ]);
    expect(eventFilesAfter(names, 'events_20260101000000_000002.csv.gz')).toEqual(['events_20260102000000_000001.csv']);
    expect(eventFilesAfter(names, 'events_20260102000000_000001.csv')).toEqual([]);
  });
});

describe('numberedCsvRecords', () => {
  it('numbers records by the line they start on, counting blank lines and quoted line breaks', async () => {
    const text = 'a,b\n\n1,"x\ny"\r\n"q""uote",2\n\n\n3,\n';
    expect(await records(text)).toEqual([
      { line: 1, start: 0, fields: ['a', 'b'] },
      { line: 3, start: 5, fields: ['1', 'x\ny'] },
      { line: 5, start: 14, fields: ['q"uote', '2'] },
      { line: 8, start: 28, fields: ['3', ''] },
    ]);
  });

  it('skips a BOM, reads a last line without line end, and joins multi-byte characters split across chunks', async () => {
    const bytes = Buffer.from('\uFEFFh\nÄpfel,ü');
    const split = [bytes.subarray(0, 6), bytes.subarray(6)];
    expect(await records(split)).toEqual([
      { line: 1, start: 3, fields: ['h'] },
      { line: 2, start: 5, fields: ['Äpfel', 'ü'] },
    ]);
  });

  it('finds a BOM cut across chunks, and keeps a stream shorter than a BOM', async () => {
    const bytes = Buffer.from('\uFEFFh\n');
    expect(await records(chunked(bytes, 1))).toEqual([{ line: 1, start: 3, fields: ['h'] }]);
    expect(await records([Buffer.from([0xef, 0xbb])])).toEqual([{ line: 1, start: 0, fields: ['\uFFFD'] }]);
  });

  it('marks a record cut inside a quoted field', async () => {
    expect(await records('h\n1,"open\n')).toEqual([
      { line: 1, start: 0, fields: ['h'] },
      { line: 2, start: 2, fields: ['1', 'open\n'], unterminated: true },
    ]);
  });

  it('yields nothing for an empty stream', async () => {
    expect(await records('')).toEqual([]);
  });

  it('decodes an invalid byte as U+FFFD and keeps the offsets after it exact', async () => {
    const bytes = Buffer.concat([Buffer.from('h\na'), Buffer.from([0xff]), Buffer.from('b,c\nnext,é\n')]);
    expect(await records([bytes])).toEqual([
      { line: 1, start: 0, fields: ['h'] },
      { line: 2, start: 2, fields: ['a\uFFFDb', 'c'] },
      { line: 3, start: 8, fields: ['next', 'é'] },
    ]);
  });

  const tricky =
    '\uFEFFid,text\r\n\r\n1,"multi\r\nline ""quoted"" Äpfel"\r\n2,plain ü\n\n\n"3","a,b"\r\n4,"x"y\r\n5,€𝄞\n6,last';
  it.each([1, 2, 3, 5, 7, 64])(
    'yields the same records whatever the chunk size (%i bytes), also resumed from any record',
    async (size) => {
      const bytes = Buffer.from(tricky);
      const whole = await records([bytes]);
      expect(whole.map((r) => r.fields[0])).toEqual(['id', '1', '2', '3', '4', '5', '6']);
      expect(whole[1]?.fields[1]).toBe('multi\r\nline "quoted" Äpfel');
      expect(whole[5]?.fields[1]).toBe('€𝄞');
      expect(await records(chunked(bytes, size))).toEqual(whole);
      for (const [index, record] of whole.entries()) {
        const rest = chunked(bytes.subarray(record.start), size);
        expect(await records(rest, { byte: record.start, line: record.line })).toEqual(whole.slice(index));
      }
    }
  );
});
