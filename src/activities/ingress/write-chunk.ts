import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { type DynamicsClient } from '../../connectors/dynamics';
import { type SftpClient } from '../../connectors/sftp';
import { type Logger } from '../../logging/logger';
import { mapRecord } from '../../sync/ingress';
import { encodeImportRow, importColumns, importHeader } from '../../sync/ingress/import-csv';
import { isChoiceColumn } from '../../sync/ingress/read-column';
import {
  type IngressCounts,
  type WriteIngressChunkInput,
  type WriteIngressChunkResult,
  ZERO_COUNTS,
} from './contracts';
import { type RejectRow, type RejectsReport } from './rejects-report';
import { type ChunkMapping } from './resolve';
import { rejectRowsOfRecord } from './write-chunk-rejects';
import { INGRESS_INPUT_ERROR } from '../../sync/failure-types';

/** Heartbeat details of a chunk being written: where the next page is read and how far the chunk got. */
export interface ChunkProgress {
  chunkNumber: number;
  fileName: string;
  /** The link of the next page to read (the chunk's start link before the first page). */
  link?: string;
  rows: number;
}

export interface ChunkWriterOptions {
  dynamics: DynamicsClient;
  sftp: SftpClient;
  /** The resolved mapping the chunk's rows are read and encoded with. */
  source: ChunkMapping;
  /** Campaign resource name; it starts the file name (`profile`, `cusOrder`). */
  resource: string;
  /** The chunk ends at the first page boundary at or past this many written rows. */
  chunkRows: number;
  /** Rows per D365 page. @default 5000 */
  pageSize?: number;
  /** Import folder on the SFTP, relative to the client's root. @default 'imports' */
  importFolder?: string;
  /** Where rejected rows are reported (appended page by page). */
  rejects: Pick<RejectsReport, 'append'>;
  /** Called after each page. @default no heartbeat */
  heartbeat?: (progress: ChunkProgress) => void;
  /** Aborts the read and the upload (activity cancellation). */
  signal?: AbortSignal;
  logger?: Logger;
}

const BATCH_ID = /^\d{14}$/;
const MAX_CHUNK = 999_999;
const FORMATTED_VALUES = 'OData.Community.Display.V1.FormattedValue';

/** `<resource>_<batchId>_<chunk, 6 digits>.csv.gz` (docs/campaign-files.md §1). */
export function chunkFileName(resource: string, batchId: string, chunkNumber: number): string {
  if (!BATCH_ID.test(batchId)) {
    throw ApplicationFailure.nonRetryable(
      `batchId "${batchId}" is not a UTC yyyyMMddHHmmss stamp`,
      INGRESS_INPUT_ERROR
    );
  }
  if (!Number.isInteger(chunkNumber) || chunkNumber < 1 || chunkNumber > MAX_CHUNK) {
    throw ApplicationFailure.nonRetryable(
      `chunkNumber ${chunkNumber} is not a whole number from 1 to ${MAX_CHUNK}`,
      INGRESS_INPUT_ERROR
    );
  }
  return `${resource}_${batchId}_${String(chunkNumber).padStart(6, '0')}.csv.gz`;
}

/**
 * Writes one chunk of the file path of the initial transfer: reads change-tracking pages from `input.link` (or starts
 * the full read), maps each row, and streams the CSV through gzip straight into an atomic SFTP upload, one page in
 * memory at a time. Stops at the first page boundary once `chunkRows` rows are written. A retry with the same input
 * reads the same pages again and replaces the same file, so exactly one complete file remains.
 */
export async function writeChunk(
  input: WriteIngressChunkInput,
  options: ChunkWriterOptions
): Promise<WriteIngressChunkResult> {
  const fileName = chunkFileName(options.resource, input.batchId, input.chunkNumber);
  const remotePath = posix.join(options.importFolder ?? 'imports', fileName);
  const { plan } = options.source;
  const entitySet = options.source.table.entitySetName;
  const columns = importColumns(plan);
  const counts: IngressCounts = { ...ZERO_COUNTS };
  const state: { rows: number; nextLink?: string; deltaLink?: string; readError?: unknown } = { rows: 0 };
  const needsLabels = plan.picklists === 'label' && plan.fields.some((p) => isChoiceColumn(p.column));

  async function* csvText(): AsyncGenerator<string> {
    try {
      yield importHeader(columns, options.source.profileLinks, options.source.resourceLinks);
      options.heartbeat?.({ chunkNumber: input.chunkNumber, fileName, link: input.link, rows: 0 });
      const pages = options.dynamics.readChanges(entitySet, {
        select: [...plan.select],
        ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
        ...(needsLabels ? { includeAnnotations: FORMATTED_VALUES } : {}),
        ...(input.link !== undefined ? { startLink: input.link } : {}),
      });
      for await (const page of pages) {
        options.signal?.throwIfAborted();
        if (page.deletes.length > 0) {
          throw ApplicationFailure.nonRetryable(
            `${entitySet}: the link of chunk ${input.chunkNumber} returned deletions, so it is not a link of a full read`,
            INGRESS_INPUT_ERROR
          );
        }
        let text = '';
        const rejects: RejectRow[] = [];
        for (const row of page.upserts) {
          counts.read += 1;
          const mapped = mapRecord(row, plan, 'full');
          if (mapped.kind === 'write') {
            text += encodeImportRow(columns, mapped.values);
            state.rows += 1;
          } else if (mapped.kind === 'filtered-out') counts.filteredOut += 1;
          else {
            counts.rejected += 1;
            rejects.push(...rejectRowsOfRecord(row, plan, mapped.key, mapped.reasons));
          }
        }
        await options.rejects.append(rejects);
        state.nextLink = page.nextLink;
        state.deltaLink = page.deltaLink;
        yield text;
        options.heartbeat?.({ chunkNumber: input.chunkNumber, fileName, link: page.nextLink, rows: state.rows });
        // Stopping here leaves the next page unread: its link is where the next chunk starts.
        if (state.rows >= options.chunkRows) break;
      }
    } catch (error) {
      state.readError = error;
      throw error;
    }
  }

  const gzip = createGzip();
  const text = Readable.from(csvText(), { objectMode: false, ...(options.signal ? { signal: options.signal } : {}) });
  text.on('error', (error) => gzip.destroy(error));
  text.pipe(gzip);
  let bytes: number;
  try {
    ({ bytes } = await options.sftp.upload(remotePath, gzip));
  } catch (error) {
    // The upload fails too when the read fails; the read's error says what really went wrong.
    throw state.readError ?? (options.signal?.aborted ? options.signal.reason : error);
  } finally {
    text.destroy();
  }
  if (state.nextLink === undefined && state.deltaLink === undefined) {
    throw new Error(`${entitySet}: the read of chunk ${input.chunkNumber} ended without a next link or a delta link`);
  }
  options.logger?.info(
    { mapping: plan.name, fileName, rows: state.rows, bytes, last: state.deltaLink !== undefined },
    'ingress chunk uploaded'
  );
  return {
    fileName,
    rows: state.rows,
    bytes,
    ...(state.deltaLink !== undefined ? { deltaLink: state.deltaLink } : { nextLink: state.nextLink }),
    counts,
  };
}
