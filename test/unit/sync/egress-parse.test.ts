import {
  EVENT_FILE_COLUMNS,
  eventColumns,
  isEventFileName,
  isSelected,
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
});
