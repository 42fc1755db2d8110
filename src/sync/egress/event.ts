import { parseAcsDate } from '../acs-dates';

/** The four Campaign email event types of the event export files. */
export const EMAIL_EVENT_TYPES = ['send', 'open', 'click', 'bounce'] as const;
export type EmailEventType = (typeof EMAIL_EVENT_TYPES)[number];

/** Bounce types as the configuration names them (`egress.bounceTypes`). */
export const BOUNCE_TYPES = ['hard', 'soft', 'ignored'] as const;
export type BounceType = (typeof BOUNCE_TYPES)[number];

/** The columns an event file must have (docs/campaign-files.md §2); readers find them by name. */
export const EVENT_FILE_COLUMNS = [
  'eventId',
  'eventType',
  'eventDate',
  'externalId',
  'campaignId',
  'deliveryId',
  'deliveryLabel',
  'mirrorPageUrl',
  'trackingUrl',
  'bounceType',
  'bounceReason',
] as const;
type EventFileColumn = (typeof EVENT_FILE_COLUMNS)[number];

/** One email event, checked and typed. */
export interface EmailEvent {
  eventId: string;
  type: EmailEventType;
  date: Date;
  /** The D365 `contactid` (the profile's `externalId`), lower case. */
  contactId: string;
  campaignId: string;
  deliveryId: string;
  /** Empty when Campaign exported none. */
  deliveryLabel: string;
  mirrorPageUrl: string;
  /** Click only; empty otherwise. */
  trackingUrl: string;
  /** Bounce only. */
  bounceType?: BounceType;
  bounceReason: string;
}

/** Where each column sits in the file's records, found from its header. */
export type EventColumns = Record<EventFileColumn, number>;

/** One record's outcome: the event, or why it was refused (never quoting a value: it may be personal data). */
export type ParsedEvent = { ok: true; event: EmailEvent } | { ok: false; reason: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The activity tables' limit on `acs_eventid`. */
const MAX_EVENT_ID_LENGTH = 100;

/**
 * The column positions from the header record, or the missing columns. A BOM and surrounding blanks are ignored.
 */
export function eventColumns(
  header: readonly string[]
): { ok: true; columns: EventColumns } | { ok: false; missing: string[] } {
  const names = header.map((name) => name.replace(/^\uFEFF/, '').trim());
  const missing = EVENT_FILE_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) return { ok: false, missing };
  const columns = Object.fromEntries(EVENT_FILE_COLUMNS.map((column) => [column, names.indexOf(column)]));
  return { ok: true, columns: columns as EventColumns };
}

/** Checks and types one record of an event file (after the header). */
export function parseEventRecord(record: readonly string[], columns: EventColumns, headerLength: number): ParsedEvent {
  if (record.length !== headerLength) {
    return { ok: false, reason: `has ${record.length} fields, the header has ${headerLength}` };
  }
  const cell = (column: EventFileColumn): string => (record[columns[column]] ?? '').trim();
  const eventId = cell('eventId');
  if (eventId === '') return { ok: false, reason: 'eventId is empty' };
  if (eventId.length > MAX_EVENT_ID_LENGTH)
    return { ok: false, reason: `eventId is longer than ${MAX_EVENT_ID_LENGTH}` };
  const type = cell('eventType');
  if (!isOneOf(EMAIL_EVENT_TYPES, type)) return { ok: false, reason: 'eventType is not send, open, click or bounce' };
  const date = parseAcsDate(cell('eventDate'));
  if (!date) return { ok: false, reason: 'eventDate is not a date-time' };
  const contactId = cell('externalId');
  if (!GUID.test(contactId)) return { ok: false, reason: 'externalId is not a D365 contact id (GUID)' };
  const campaignId = cell('campaignId');
  const deliveryId = cell('deliveryId');
  if (deliveryId === '') return { ok: false, reason: 'deliveryId is empty' };
  const trackingUrl = type === 'click' ? cell('trackingUrl') : '';
  if (type === 'click' && trackingUrl === '') return { ok: false, reason: 'trackingUrl is empty on a click' };
  const event: EmailEvent = {
    eventId,
    type,
    date,
    contactId: contactId.toLowerCase(),
    campaignId,
    deliveryId,
    deliveryLabel: cell('deliveryLabel'),
    mirrorPageUrl: cell('mirrorPageUrl'),
    trackingUrl,
    bounceReason: type === 'bounce' ? cell('bounceReason') : '',
  };
  if (type === 'bounce') {
    const bounceType = cell('bounceType').toLowerCase();
    if (!isOneOf(BOUNCE_TYPES, bounceType)) return { ok: false, reason: 'bounceType is not Hard, Soft or Ignored' };
    event.bounceType = bounceType;
  }
  return { ok: true, event };
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}
