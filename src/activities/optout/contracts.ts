/**
 * What opt-out activities take and return. Workflows see only these shapes: cursors (D365 links, file names, line
 * numbers) and counts. Never a record, never a secret.
 */

/**
 * Per pass (summed over pages or file chunks):
 * - `read`: D365 rows or file lines read;
 * - `applied`: opt-out values written (one per attribute and record, on whichever side was written);
 * - `skipped`: values that needed no write (both sides agreed, or the attribute is not paired);
 * - `conflicts`: bidirectional decisions where the two sides held different values (the rule chose a winner);
 * - `missing`: records without a counterpart (no profile with the contact's id as externalId, or no such contact);
 * - `rejected`: rows or lines that could not be read (no id, malformed value or time, unknown attribute).
 */
export interface OptOutCounts {
  read: number;
  applied: number;
  skipped: number;
  conflicts: number;
  missing: number;
  rejected: number;
}

export const ZERO_OPT_OUT_COUNTS: Readonly<OptOutCounts> = Object.freeze({
  read: 0,
  applied: 0,
  skipped: 0,
  conflicts: 0,
  missing: 0,
  rejected: 0,
});

export type PreflightOptOutInput = Record<string, never>;

/** Every problem found, each naming the configuration path; empty when the opt-out flow can run. */
export interface PreflightOptOutResult {
  problems: { path: string; message: string }[];
}

export interface SyncOptOutD365PageInput {
  /** The `nextLink` of the previous page, a stored `deltaLink`, or absent to start the change-tracking full read. */
  link?: string;
  /** Names the audit report of this pass, e.g. `optout-pass-42`. */
  reportId: string;
}

export interface SyncOptOutD365PageResult {
  /** Read on with this; absent on the last page. */
  nextLink?: string;
  /** On the last page only: where the next pass starts. */
  deltaLink?: string;
  counts: OptOutCounts;
}

export interface ListOptOutFilesInput {
  /** The last file processed (the workflow's cursor); only later names are listed. */
  after?: string;
}

export interface ListOptOutFilesResult {
  /** Complete opt-out files, names only (relative to `optOut.sourceFolder`), oldest first. */
  files: string[];
}

export interface ApplyOptOutFileInput {
  /** A name from `listOptOutFiles`. */
  file: string;
  /** CSV record number to start at (header = 1, so the first change is line 2). */
  fromLine: number;
  reportId: string;
}

export interface ApplyOptOutFileResult {
  /** Where the next chunk of this file starts; absent when the file is done. */
  nextLine?: number;
  counts: OptOutCounts;
}

export interface ArchiveOptOutFileInput {
  file: string;
}

export interface PublishOptOutAuditInput {
  /** The pass's audit, `<reports.folder>/optout/<reportId>.csv`. */
  reportId: string;
}
