import { type IngressCounts } from '../../sync/ingress/counts';
import { type IngressMode } from '../../sync/ingress/map-record';

/**
 * What ingress activities take and return. Workflows see only these shapes: configuration names, cursors (D365
 * links, file names), counts. Never a record, never a secret.
 */

export { ZERO_COUNTS, type IngressCounts } from '../../sync/ingress/counts';

export interface PreflightIngressInput {
  mapping: string;
}

/** Every problem found, each naming the configuration path; empty when the mapping can run. */
export interface PreflightIngressResult {
  problems: { path: string; message: string }[];
}

export interface CountSourceRowsInput {
  mapping: string;
}

export interface CountSourceRowsResult {
  /** Rows in the D365 table, inactive ones included. */
  rows: number;
}

export interface SyncIngressPageInput {
  mapping: string;
  mode: IngressMode;
  /**
   * Where to read: the `nextLink` of the previous page, a stored `deltaLink` (first page of an incremental pass), or
   * absent to start the change-tracking full read.
   */
  link?: string;
  /** Names the rejects report of this pass, e.g. `contacts-pass-42`. */
  reportId: string;
  /**
   * How many rows of this page may wait for a linked record (their keys come back in `waiting`); past it they are
   * rejected. @default 0
   */
  waitingRoom?: number;
}

export interface SyncIngressPageResult {
  /** Read on with this; absent on the last page. */
  nextLink?: string;
  /** On the last page only: where the next incremental pass starts. */
  deltaLink?: string;
  counts: IngressCounts;
  /** Keys (D365 ids) of the rows waiting for a linked record; absent when none. */
  waiting?: string[];
}

/** Rows an earlier page found waiting for a linked record: read again from D365 and applied as a pass would. */
export interface RevisitWaitingRowsInput {
  mapping: string;
  /** D365 ids of the rows. */
  keys: string[];
  reportId: string;
  /** How many may keep waiting (past it they are rejected). */
  waitingRoom: number;
}

export interface RevisitWaitingRowsResult {
  counts: IngressCounts;
  /** Keys still waiting (their linked record is still not in Campaign). */
  waiting: string[];
}

/** One gzip CSV chunk of the file path of the initial transfer. */
export interface WriteIngressChunkInput {
  mapping: string;
  /** Shared by the chunks of one transfer; part of their file names. UTC `yyyyMMddHHmmss`. */
  batchId: string;
  /** 1-based. */
  chunkNumber: number;
  /** Where this chunk's first page is read; absent for the first chunk (starts the change-tracking full read). */
  link?: string;
  reportId: string;
}

export interface WriteIngressChunkResult {
  /** Remote file name, relative to the import folder. */
  fileName: string;
  rows: number;
  bytes: number;
  /** Where the next chunk starts; absent after the last page. */
  nextLink?: string;
  /** After the last page: where incremental sync starts (no gap, no overlap). */
  deltaLink?: string;
  counts: IngressCounts;
}

export interface StartCampaignImportInput {
  mapping: string;
  fileNames: string[];
}

export interface CampaignImportStatus {
  /** Campaign workflow state: `started`, `finished`, `error`, … */
  state: string;
  finished: boolean;
  failed: boolean;
}

export interface CollectImportRejectsInput {
  mapping: string;
  fileNames: string[];
  reportId: string;
  /** How many refused keys to hand back for a later look (a linked mapping's refused rows may lack their parent). */
  revisitRoom?: number;
}

export interface CollectImportRejectsResult {
  rejected: number;
  /** Keys of refused rows (at most `revisitRoom`), when asked for. */
  revisit?: string[];
}

export interface PublishRejectsReportInput {
  mapping: string;
  reportId: string;
}

export interface PublishRejectsReportResult {
  /** Remote path of the published report; absent when there was nothing to publish or no SFTP folder is set. */
  remotePath?: string;
}

export interface CountCampaignRecordsInput {
  mapping: string;
}

export interface CountCampaignRecordsResult {
  /** Records in the mapping's Campaign resource (all of them, not only those this integration wrote). */
  records: number;
}
