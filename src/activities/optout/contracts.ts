import { type FileTrouble, type FileVersion } from '../export-files/contracts';

export type {
  ListExportFilesInput as ListOptOutFilesInput,
  ListExportFilesResult as ListOptOutFilesResult,
  SettleExportFileInput as SettleOptOutFileInput,
  SettleExportFileResult as SettleOptOutFileResult,
} from '../export-files/contracts';

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
 *   a contact whose profile is missing is revisited by later passes (its id is kept in the pass's pending set);
 * - `outOfScope`: contacts without a profile that ingress will never create (the contact mapping's filter keeps them
 *   out, or no mapping writes contacts): not revisited;
 * - `rejected`: rows or lines that could not be read (no id, malformed value or time, unknown attribute).
 */
export interface OptOutCounts {
  read: number;
  applied: number;
  skipped: number;
  conflicts: number;
  missing: number;
  outOfScope: number;
  rejected: number;
}

export const ZERO_OPT_OUT_COUNTS: Readonly<OptOutCounts> = Object.freeze({
  read: 0,
  applied: 0,
  skipped: 0,
  conflicts: 0,
  missing: 0,
  outOfScope: 0,
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
  /** How many ids of contacts without a profile the pass can still keep (its pending set is bounded). */
  pendingRoom: number;
}

/**
 * Contacts that have no profile yet, which later passes revisit: their D365 ids (keys, not personal data), at most
 * the room given; `overflow` when there were more, so the pass cannot keep them all.
 */
export interface MissingContacts {
  missing: string[];
  overflow: boolean;
}

export interface SyncOptOutD365PageResult extends MissingContacts {
  /** Read on with this; absent on the last page. */
  nextLink?: string;
  /** On the last page only: where the next pass starts. */
  deltaLink?: string;
  counts: OptOutCounts;
}

export interface RevisitOptOutContactsInput {
  /** D365 contact ids a previous pass found without a profile (a few hundred per call). */
  ids: string[];
  reportId: string;
}

/** The ids still without a profile (their contacts exist and ingress will write them); the others are done. */
export interface RevisitOptOutContactsResult {
  missing: string[];
  counts: OptOutCounts;
}

export interface ApplyOptOutFileInput {
  /** A name from `listOptOutFiles`. */
  file: string;
  /** The line to start at (header = 1, so the first change is line 2). */
  fromLine: number;
  reportId: string;
  /** The version listed: a file that is no longer this version is not read (`trouble` says `changed`). */
  version?: FileVersion;
}

export interface ApplyOptOutFileResult {
  /** Where the next chunk of this file starts; absent when the file is done. */
  nextLine?: number;
  counts: OptOutCounts;
  /** Why the call did not apply (the rest of) the file: changed, archived, vanished or unreadable. */
  trouble?: FileTrouble;
}

export interface PublishOptOutAuditInput {
  /** The pass's audit, `<reports.folder>/optout/<reportId>.csv`. */
  reportId: string;
}
