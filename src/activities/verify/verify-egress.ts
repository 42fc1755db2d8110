import { posix } from 'node:path';
import { type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type DynamicsClient } from '../../connectors/dynamics';
import { type SftpClient, SftpError } from '../../connectors/sftp';
import {
  ACTIVITY_TABLES,
  EMAIL_EVENT_TYPES,
  type EmailEventType,
  EVENT_ID_COLUMN,
  eventColumns,
  isEventFileName,
  numberedCsvRecords,
  parseEventRecord,
} from '../../sync/egress';
import { type DriftedKey, duplicateEventIds, type VerifyScopeResult } from '../../sync/verify';
import { PROCESSED_FOLDER } from '../export-files';
import { VerifyReport } from './report-file';
import { scopeResult, type VerifyProgress } from './scope-result';
import { type VerifyScopeInput } from './verify-ingress';

/** Event ids per D365 query (`acs_eventid eq '…' or …`): keeps the URL well under D365's length limit. */
const IDS_PER_QUERY = 50;

export interface VerifyEgressContext {
  sftp: SftpClient;
  dynamics: DynamicsClient;
  /** `egress.sourceFolder`. */
  sourceFolder: string;
  reportsFolder: string;
  progress?: (progress: VerifyProgress) => void;
  signal?: AbortSignal;
}

/**
 * Verifies egress over the export files still in `processed/` (the window: files Campaign's retention or an operator
 * has not removed yet): each event id in them is looked up in its activity table, and an id that more than one
 * activity carries is drift (the flow writes by the alternate key on the event id, so it never makes a second one;
 * a duplicate means that key is missing or was bypassed). Events the flow refused (rejects report) have no activity
 * and are not drift here.
 */
export async function verifyEgressEvents(
  context: VerifyEgressContext,
  input: VerifyScopeInput
): Promise<VerifyScopeResult> {
  const counts = { files: 0, events: 0, activities: 0, eventIdsChecked: 0 };
  const drifted: DriftedKey[] = [];
  const reported = new Set<string>();
  for (const file of await processedFiles(context)) {
    counts.files += 1;
    const pending = new Map<EmailEventType, Set<string>>(EMAIL_EVENT_TYPES.map((type) => [type, new Set<string>()]));
    const flush = async (type: EmailEventType, all = false): Promise<void> => {
      const ids = pending.get(type) as Set<string>;
      if (ids.size === 0 || (!all && ids.size < IDS_PER_QUERY)) return;
      const found = await activityEventIds(context.dynamics, type, [...ids]);
      counts.activities += found.length;
      const duplicates = duplicateEventIds(found);
      counts.eventIdsChecked += ids.size;
      // Reported as the export file writes the id (the activities' alternate key ignores case).
      const asInFile = new Map([...ids].map((id) => [id.toLowerCase(), id]));
      for (const id of duplicates.keys()) {
        if (reported.has(`${type}:${id}`)) continue;
        reported.add(`${type}:${id}`);
        drifted.push({
          key: asInFile.get(id) ?? id,
          category: 'duplicate',
          fields: [ACTIVITY_TABLES[type].logicalName],
        });
      }
      ids.clear();
    };
    for await (const eventId of eventsOf(context, file)) {
      counts.events += 1;
      pending.get(eventId.type)?.add(eventId.id);
      await flush(eventId.type);
      if (context.signal?.aborted) throw context.signal.reason ?? new Error('the activity was cancelled');
    }
    for (const type of EMAIL_EVENT_TYPES) await flush(type, true);
    context.progress?.({ step: file, done: counts.events });
  }
  return scopeResult('egress', counts, drifted, new VerifyReport(context.reportsFolder, input.verifyId, 'egress'));
}

async function processedFiles(context: VerifyEgressContext): Promise<string[]> {
  try {
    const entries = await context.sftp.list(posix.join(context.sourceFolder, PROCESSED_FOLDER));
    return entries
      .map((entry) => entry.name)
      .filter(isEventFileName)
      .sort();
  } catch (error) {
    if (error instanceof SftpError && error.kind === 'not-found') return [];
    throw error;
  }
}

/** The event ids and types of a file's well-formed records (malformed ones are the flow's rejects). */
async function* eventsOf(
  context: VerifyEgressContext,
  file: string
): AsyncGenerator<{ id: string; type: EmailEventType }> {
  const stream = await context.sftp.openReadStream(posix.join(context.sourceFolder, PROCESSED_FOLDER, file));
  const source: Readable = file.endsWith('.gz') ? stream.pipe(createGunzip()) : stream;
  stream.once('error', (error) => source.destroy(error));
  try {
    const records = numberedCsvRecords(source);
    const header = await records.next();
    if (header.done) return;
    const columns = eventColumns(header.value.fields);
    if (!columns.ok) return;
    for await (const record of records) {
      const parsed = parseEventRecord(record.fields, columns.columns, header.value.fields.length);
      if (parsed.ok) yield { id: parsed.event.eventId, type: parsed.event.type };
    }
  } finally {
    source.destroy();
    stream.destroy();
  }
}

/** The `acs_eventid` of every activity of this type carrying one of these ids (one entry per activity). */
async function activityEventIds(dynamics: DynamicsClient, type: EmailEventType, ids: string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const page of dynamics.readPages(ACTIVITY_TABLES[type].entitySetName, {
    select: ['activityid', EVENT_ID_COLUMN],
    filter: ids.map((id) => `${EVENT_ID_COLUMN} eq '${id.replace(/'/g, "''")}'`).join(' or '),
  })) {
    for (const row of page.rows) if (typeof row[EVENT_ID_COLUMN] === 'string') found.push(row[EVENT_ID_COLUMN]);
  }
  return found;
}
