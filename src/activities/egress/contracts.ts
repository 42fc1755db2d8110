/**
 * What egress activities take and return. Workflows see only these shapes: file names, line numbers, counts. Never an
 * event, never a secret.
 */

import { type EgressCounts } from '../../sync/egress/counts';
import { type FileTrouble, type FileVersion } from '../export-files/contracts';

export { type EgressCounts, ZERO_EGRESS_COUNTS } from '../../sync/egress/counts';

export type {
  ListExportFilesInput as ListEventFilesInput,
  ListExportFilesResult as ListEventFilesResult,
  SettleExportFileInput as SettleEventFileInput,
  SettleExportFileResult as SettleEventFileResult,
} from '../export-files/contracts';

export interface ApplyEventFileInput {
  /** File name in `egress.sourceFolder`. */
  file: string;
  /** The first line to apply (1-based, the header is line 1): 2 for a new file, or a previous call's `nextLine`. */
  fromLine: number;
  /**
   * Where `fromLine` starts in the file (a previous call's `nextByte`): the call reads from there instead of skipping
   * the lines before it. Plain CSV files only; without it, or for a gzip file, the lines before are read and skipped.
   */
  fromByte?: number;
  /** Names the rejects report, `<reports.folder>/egress/<reportId>.csv`. */
  reportId: string;
  /** Re-drive: apply only these lines, reading the file from `processed/` (or the source folder if it is still there). */
  lines?: number[];
  /** The version listed: a file that is no longer this version is not read (`trouble` says `changed`). */
  version?: FileVersion;
}

export interface ApplyEventFileResult {
  /** Call again from this line; absent when the file is done (every activity is durable in D365). */
  nextLine?: number;
  /** Byte offset of `nextLine` in a plain CSV file, for the next call's `fromByte`. */
  nextByte?: number;
  counts: EgressCounts;
  /** Why the call did not apply (the rest of) the file: changed, archived, vanished or unreadable. */
  trouble?: FileTrouble;
}

export type PreflightEgressInput = Record<string, never>;

/** Every problem found, each naming the configuration path; empty when the egress flow can run. */
export interface PreflightEgressResult {
  problems: { path: string; message: string }[];
}

export interface PublishEgressRejectsInput {
  /** The pass's or re-drive's report, `<reports.folder>/egress/<reportId>.csv`. */
  reportId: string;
}
