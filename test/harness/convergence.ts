import { posix } from 'node:path';
import { type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type WorkerResources } from '../../src/activities';
import { PROCESSED_FOLDER } from '../../src/activities/egress';
import { type Config, type IngressMapping } from '../../src/config/schema';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { SftpError } from '../../src/connectors/sftp';
import {
  ACTIVITY_TABLES,
  EVENT_ID_COLUMN,
  eventColumns,
  isEventFileName,
  isSelected,
  numberedCsvRecords,
  parseEventRecord,
} from '../../src/sync/egress';
import { campaignApiField } from '../../src/sync/optout/attributes';

/**
 * Where both systems disagree, by category, each entry a key (D365 GUID, event id, file name; field and pair names):
 * never a value. `drift` is the number of entries. The shape of `acs-d365 verify`'s answer (exit 0 = agreement,
 * 3 = drift), so that this oracle can be replaced by it.
 */
export interface ConvergenceReport {
  drift: number;
  byCategory: Record<string, string[]>;
}

/** The categories, in the order they are reported. */
export const DRIFT_CATEGORIES = [
  /** A contact the mapping keeps (filter) has no profile. */
  'profile-missing',
  /** More than one profile carries the contact's id. */
  'profile-duplicated',
  /** A profile whose contact is gone (deletes on) or filtered out (deleteFilteredOut on). `id: deleted|filtered out` */
  'profile-orphan',
  /** A mapped field differs. `id: field` */
  'profile-differs',
  /** An opt-out pair differs between the contact and its profile. `id: campaign/dynamics` */
  'optout-disagrees',
  /** An event id has more than one activity. */
  'activity-duplicated',
  /** A selected event of a file, for a contact D365 has, has no activity. `file: event id` */
  'event-not-applied',
] as const;

/**
 * Reads both systems in full and reports every disagreement a quiet system must not have: each contact the contacts
 * mapping keeps has exactly one profile equal on the mapped fields; no profile outlives its contact when deletes apply;
 * every opt-out pair agrees (after quiet the bidirectional rule leaves both sides equal); every event of the event files
 * (archived or not) that egress selects has exactly one activity, unless D365 has no such contact.
 *
 * Covers plain field copies (text, dates, numbers, Booleans) and filters with `eq`/`ne`/`null`/`notnull`; a
 * configuration using more (replacements, other filter operators) is refused rather than judged wrongly.
 */
export async function checkConvergence(resources: WorkerResources, config: Config): Promise<ConvergenceReport> {
  const byCategory: Record<string, string[]> = Object.fromEntries(DRIFT_CATEGORIES.map((name) => [name, []]));
  const add = (category: (typeof DRIFT_CATEGORIES)[number], key: string): void => void byCategory[category]?.push(key);

  const mapping = contactMapping(config);
  const pairs = config.optOut && config.optOut.mode !== 'disabled' ? config.optOut.pairs : [];
  const contacts = await readContacts(resources, mapping, pairs);
  const profiles = await readProfiles(resources);

  for (const [id, count] of profiles.counts) if (count > 1) add('profile-duplicated', id);
  for (const [id, contact] of contacts) {
    const profile = profiles.byKey.get(id);
    const kept = mapping ? passesFilter(contact, mapping) : false;
    if (mapping && kept && !profile) add('profile-missing', id);
    if (mapping && !kept && profile && mapping.filter?.deleteFilteredOut) add('profile-orphan', `${id}: filtered out`);
    if (!profile) continue;
    if (mapping && kept) {
      for (const field of mapping.fields) {
        if (field.applyUpdates === false) continue; // written on transfers and replays only
        if (text(contact[field.from]) !== text(profile[field.to])) add('profile-differs', `${id}: ${field.to}`);
      }
    }
    // A profile the filter keeps out is an orphan (above), on its way out: its pairs are not judged.
    if (mapping && !kept) continue;
    for (const pair of pairs) {
      if ((contact[pair.dynamics] === true) !== (profile[campaignApiField(pair.campaign)] === true)) {
        add('optout-disagrees', `${id}: ${pair.campaign}/${pair.dynamics}`);
      }
    }
  }
  if (mapping?.deletes) {
    for (const id of profiles.byKey.keys()) if (!contacts.has(id)) add('profile-orphan', `${id}: deleted`);
  }

  if (config.egress) {
    const activities = await activitiesPerEventId(resources);
    for (const [eventId, count] of activities) if (count > 1) add('activity-duplicated', eventId);
    for (const event of await selectedEvents(resources, config)) {
      if (contacts.has(event.contactId) && !activities.has(event.eventId)) {
        add('event-not-applied', `${event.file}: ${event.eventId}`);
      }
    }
  }

  const nonEmpty = Object.fromEntries(Object.entries(byCategory).filter(([, keys]) => keys.length > 0));
  return { drift: Object.values(nonEmpty).reduce((sum, keys) => sum + keys.length, 0), byCategory: nonEmpty };
}

/** Counts per category, for a log line (keys only, never values). */
export function driftCounts(report: ConvergenceReport): Record<string, number> {
  return Object.fromEntries(Object.entries(report.byCategory).map(([category, keys]) => [category, keys.length]));
}

/** The mapping that writes contacts to profiles by externalId (at most one is supported). */
function contactMapping(config: Config): IngressMapping | undefined {
  const mappings = config.ingress.filter((m) => m.from === 'contact' && m.to === 'profile');
  if (mappings.length > 1) throw new Error('checkConvergence: more than one contact → profile mapping');
  const mapping = mappings[0];
  if (!mapping) return undefined;
  if (mapping.key.from !== 'contactid' || mapping.key.to !== PROFILE_EXTERNAL_ID_KEY.fields[0]) {
    throw new Error('checkConvergence: the contacts mapping must key contactid → externalId');
  }
  if (mapping.replacements.length > 0) throw new Error('checkConvergence: replacements are not supported');
  for (const rule of mapping.filter?.rules ?? []) {
    if (!['eq', 'ne', 'null', 'notnull'].includes(rule.op)) {
      throw new Error(`checkConvergence: filter operator ${rule.op} is not supported`);
    }
  }
  return mapping;
}

type Row = Record<string, unknown>;

async function readContacts(
  resources: WorkerResources,
  mapping: IngressMapping | undefined,
  pairs: readonly { dynamics: string }[]
): Promise<Map<string, Row>> {
  const select = new Set(['contactid', 'statecode', ...pairs.map((pair) => pair.dynamics)]);
  for (const field of mapping?.fields ?? []) select.add(field.from);
  for (const rule of mapping?.filter?.rules ?? []) select.add(rule.field);
  const rows = new Map<string, Row>();
  for await (const page of resources.dynamics().readPages('contacts', { select: [...select] })) {
    for (const row of page.rows) rows.set(String(row.contactid), row);
  }
  return rows;
}

async function readProfiles(
  resources: WorkerResources
): Promise<{ byKey: Map<string, Row>; counts: Map<string, number> }> {
  const byKey = new Map<string, Row>();
  const counts = new Map<string, number>();
  const profiles = resources
    .campaign()
    .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
  for await (const record of profiles.list({ lineCount: 500 })) {
    if (typeof record.externalId !== 'string' || record.externalId === '') continue;
    byKey.set(record.externalId, record);
    counts.set(record.externalId, (counts.get(record.externalId) ?? 0) + 1);
  }
  return { byKey, counts };
}

/** Whether the mapping's filter keeps the row (text compared without case, as Dataverse does). */
function passesFilter(row: Row, mapping: IngressMapping): boolean {
  const filter = mapping.filter;
  if (!filter || filter.rules.length === 0) return true;
  const results = filter.rules.map((rule) => {
    const value = row[rule.field];
    const isNull = value === null || value === undefined;
    if (rule.op === 'null') return isNull;
    if (rule.op === 'notnull') return !isNull;
    const equal = !isNull && text(value).toLowerCase() === text(rule.value).toLowerCase();
    return rule.op === 'eq' ? equal : !equal;
  });
  return filter.match === 'all' ? results.every(Boolean) : results.some(Boolean);
}

/** A value as text: both systems show an empty value as null, absent or ''. */
function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

async function activitiesPerEventId(resources: WorkerResources): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of Object.values(ACTIVITY_TABLES)) {
    for await (const page of resources.dynamics().readPages(table.entitySetName, { select: [EVENT_ID_COLUMN] })) {
      for (const row of page.rows) {
        const id = String(row[EVENT_ID_COLUMN]);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** The events egress selects from every event file, in the source folder or archived. */
async function selectedEvents(
  resources: WorkerResources,
  config: Config
): Promise<{ file: string; eventId: string; contactId: string }[]> {
  const egress = config.egress!;
  const selection = { events: egress.events, bounceTypes: egress.bounceTypes };
  const sftp = resources.sftp();
  const events: { file: string; eventId: string; contactId: string }[] = [];
  for (const folder of [egress.sourceFolder, posix.join(egress.sourceFolder, PROCESSED_FOLDER)]) {
    const entries = await sftp.list(folder).catch((error: unknown) => {
      if (error instanceof SftpError && error.kind === 'not-found') return [];
      throw error;
    });
    for (const entry of entries.filter((e) => isEventFileName(e.name))) {
      const stream = await sftp.openReadStream(posix.join(folder, entry.name));
      const source: Readable = entry.name.endsWith('.gz') ? stream.pipe(createGunzip()) : stream;
      let header: { columns: ReturnType<typeof eventColumns>; length: number } | undefined;
      for await (const record of numberedCsvRecords(source)) {
        if (!header) {
          header = { columns: eventColumns(record.fields), length: record.fields.length };
          continue;
        }
        if (!header.columns.ok) break;
        const parsed = parseEventRecord(record.fields, header.columns.columns, header.length);
        if (parsed.ok && isSelected(parsed.event, selection)) {
          events.push({ file: entry.name, eventId: parsed.event.eventId, contactId: parsed.event.contactId });
        }
      }
    }
  }
  return events;
}
