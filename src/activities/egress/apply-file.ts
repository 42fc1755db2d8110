import { posix } from 'node:path';
import { type Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { type DynamicsClient } from '../../connectors/dynamics';
import { type SftpClient } from '../../connectors/sftp';
import { type Logger } from '../../logging/logger';
import {
  eventColumns,
  type EventSelection,
  isEventFileName,
  isSelected,
  numberedCsvRecords,
  type NumberedRecord,
  parseEventRecord,
} from '../../sync/egress';
import {
  type ApplyEventFileInput,
  type ApplyEventFileResult,
  type EgressCounts,
  ZERO_EGRESS_COUNTS,
} from './contracts';
import {
  exportFileText,
  fileTrouble,
  type FileTrouble,
  headerFields,
  PROCESSED_FOLDER,
  readFailure,
} from '../export-files';
import { type EgressReject, EgressRejectsReport } from './rejects-report';
import { systemicFailure } from './systemic';
import { type EventWriteSettings, type LinedEvent, writeEvents } from './write-events';
import { isMisdecoded, NOT_UTF8 } from '../../sync/text-encoding';
import { EGRESS_INVALID_INPUT, EVENT_FILE_INCOMPLETE } from '../../sync/failure-types';

/**
 * Records one call reads at most, so an attempt stays short (a retry redoes at most this many idempotent writes). Larger
 * is faster: each call costs a workflow round trip and drains the writes in flight (benchmark 4 in BENCHMARKS.md).
 */
export const RECORDS_PER_CALL = 10_000;
/**
 * Groups of events being written at once. Each group holds as many `$batch` requests as the D365 concurrency
 * controller lets out now, and goes through its steps (create, then complete and follow-up tasks) together; with two,
 * the next group's requests fill the slots the one before leaves free between its steps.
 */
const GROUPS_IN_FLIGHT = 2;
/** Heartbeat after this many records (the SDK throttles heartbeats further). */
const HEARTBEAT_EVERY_RECORDS = 100;

/**
 * The event file, from the source folder; a re-drive looks in `processed/` first, where applied files are moved.
 */
async function openEventFile(
  context: ApplyFileContext,
  file: string,
  redrive: boolean,
  start?: number
): Promise<Readable> {
  const processed = posix.join(context.sourceFolder, PROCESSED_FOLDER, file);
  const archived = redrive && (await context.sftp.stat(processed)) !== undefined;
  return context.sftp.openReadStream(archived ? processed : posix.join(context.sourceFolder, file), { start });
}

/** What the line heartbeats: the file and the line reached. */
export interface FileProgress {
  file: string;
  line: number;
}

export interface ApplyFileContext {
  sftp: SftpClient;
  dynamics: DynamicsClient;
  /** `egress.sourceFolder`, relative to the SFTP root. */
  sourceFolder: string;
  selection: EventSelection;
  write: EventWriteSettings;
  /** `reports.folder`. */
  reportsFolder: string;
  logger: Logger;
  progress?: (progress: FileProgress) => void;
  /** Stops reading new records once aborted (activity cancellation). */
  signal?: AbortSignal;
  /** The activity's attempt (1 for the first), which decides when a systemic failure fails the pass. */
  attempt?: number;
}

/**
 * Applies up to {@link RECORDS_PER_CALL} records of an event file, from `fromLine`: each selected event becomes its
 * activity (see {@link writeEvents}); malformed records and refused events go to the rejects report. Returns the
 * line to go on from, or none when the file is done. Safe to repeat: every write is keyed by the event id.
 */
export async function applyEventFile(
  context: ApplyFileContext,
  input: ApplyEventFileInput
): Promise<ApplyEventFileResult> {
  if (!isEventFileName(input.file)) {
    throw ApplicationFailure.nonRetryable(`${input.file} is not an event file name`, EGRESS_INVALID_INPUT);
  }
  const only = input.lines ? new Set(input.lines) : undefined;
  const limit = only ? only.size : RECORDS_PER_CALL;
  const counts: EgressCounts = { ...ZERO_EGRESS_COUNTS };
  const rejects: EgressReject[] = [];
  const reject = (line: number, eventId: string, reason: string): void => {
    rejects.push({ file: input.file, line, eventId, reason });
  };
  let pending: LinedEvent[] = [];
  const writing = new Set<Promise<void>>();
  const writeGroup = async (group: LinedEvent[]): Promise<void> => {
    const written = await writeEvents(context.dynamics, group, context.write);
    counts.created += written.created;
    counts.duplicates += written.duplicates;
    counts.tasks += written.tasks;
    for (const row of written.rejected) reject(row.line, row.eventId, row.reason);
  };
  // Sends the pending events and goes on reading while D365 works on them; waits once GROUPS_IN_FLIGHT are out.
  const flush = async (): Promise<void> => {
    if (pending.length > 0) {
      const write: Promise<void> = writeGroup(pending).finally(() => writing.delete(write));
      write.catch(() => undefined); // awaited below; this only keeps a failure from counting as unhandled meanwhile
      writing.add(write);
      pending = [];
    }
    if (writing.size >= GROUPS_IN_FLIGHT) await Promise.race(writing);
  };

  const redrive = only !== undefined;
  // A re-drive reads lines of an applied file, wherever it is now; a pass reads the version it listed, or nothing.
  const checked = redrive ? {} : await fileTrouble(context.sftp, context.sourceFolder, input.file, input.version);
  if (checked.trouble) return { counts, trouble: checked.trouble };
  const seekable = !redrive && !input.file.endsWith('.gz');
  const resumeAt = seekable && input.fromByte ? { byte: input.fromByte, line: input.fromLine } : undefined;
  const header = resumeAt ? await headerFields(await openEventFile(context, input.file, false)) : undefined;
  const stream = await openEventFile(context, input.file, redrive, resumeAt?.byte);
  const source = exportFileText(stream, input.file);
  let next: { line: number; byte?: number } | undefined;
  let unreadable: FileTrouble | undefined;
  let lastLine = input.fromLine;
  // The worker's keep-alive interceptor repeats the last beat while D365 makes a batch wait.
  const beat = () => context.progress?.({ file: input.file, line: lastLine });
  try {
    const records = numberedCsvRecords(source, resumeAt, header ? { fieldCount: header.length } : {});
    const headerFields = header ?? (await firstFields(records));
    const columns = headerFields ? eventColumns(headerFields) : undefined;
    if (!columns?.ok) {
      const reason = columns ? `the header lacks the columns: ${columns.missing.join(', ')}` : 'the file is empty';
      unreadable = { kind: 'unreadable', line: 1, reason };
    } else {
      const headerLength = headerFields?.length ?? 0;
      for await (const record of records) {
        if (record.line < input.fromLine || (only && !only.has(record.line))) continue;
        if (context.signal?.aborted) throw context.signal.reason ?? new Error('the activity was cancelled');
        if (counts.read === limit) {
          next = { line: record.line, ...(seekable ? { byte: record.start } : {}) };
          break;
        }
        counts.read += 1;
        lastLine = record.line;
        const parsed = record.malformed
          ? { ok: false as const, reason: record.malformed }
          : record.fields.some(isMisdecoded)
            ? { ok: false as const, reason: NOT_UTF8 }
            : parseEventRecord(record.fields, columns.columns, headerLength);
        if (!parsed.ok) {
          reject(record.line, safeEventId(record.fields[columns.columns.eventId]), parsed.reason);
        } else if (!isSelected(parsed.event, context.selection)) {
          counts.skipped += 1;
        } else {
          pending.push({ line: record.line, event: parsed.event });
          if (pending.length >= context.write.batchSize * context.dynamics.concurrency.limit) await flush();
        }
        if (counts.read % HEARTBEAT_EVERY_RECORDS === 0) beat();
      }
      await flush();
      await Promise.all(writing);
    }
  } catch (error) {
    const failure = readFailure(error, checked.version?.modifiedAt, Date.now());
    if (failure?.kind === 'incomplete') {
      throw ApplicationFailure.retryable(`${input.file} ends early: not completely written yet`, EVENT_FILE_INCOMPLETE);
    }
    if (!failure) throw systemicFailure(error, input.file, context.attempt) ?? error;
    // The lines before the damage are applied (writes are idempotent); the file is set aside whole.
    try {
      await flush();
      await Promise.all(writing);
    } catch (writeError) {
      throw systemicFailure(writeError, input.file, context.attempt) ?? writeError;
    }
    unreadable = { kind: 'unreadable', line: counts.read > 0 ? lastLine + 1 : input.fromLine, reason: failure.reason };
  } finally {
    source.destroy();
    stream.destroy();
    // No write outlives the attempt, also when it fails.
    await Promise.allSettled(writing);
  }
  if (unreadable?.kind === 'unreadable') {
    reject(unreadable.line, '', `${unreadable.reason}; the file is set aside in rejected/`);
  }
  rejects.sort((a, b) => a.line - b.line);
  counts.rejected = rejects.length;
  await new EgressRejectsReport(context.reportsFolder, input.reportId).append(rejects);
  beat();
  context.logger.debug({ file: input.file, fromLine: input.fromLine, next, counts }, 'egress events applied');
  if (unreadable) return { counts, trouble: unreadable };
  return { ...(next ? { nextLine: next.line } : {}), ...(next?.byte ? { nextByte: next.byte } : {}), counts };
}

/** The first record's fields: the header of a call that reads the file from its start. */
async function firstFields(records: AsyncGenerator<NumberedRecord>): Promise<string[] | undefined> {
  const first = await records.next();
  return first.done ? undefined : first.value.fields;
}

/** An event id fit for the report (ids are Campaign log ids); anything else is left out. */
function safeEventId(text: string | undefined): string {
  const id = (text ?? '').trim();
  return /^[A-Za-z0-9._:-]{1,100}$/.test(id) ? id : '';
}
