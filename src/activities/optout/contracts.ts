import { type OptOutCounts } from '../../sync/optout/counts';
import { type FileTrouble, type FileVersion } from '../export-files/contracts';

export { type OptOutCounts, ZERO_OPT_OUT_COUNTS } from '../../sync/optout/counts';

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
  /** Where `fromLine` starts in a plain CSV file (the previous chunk's `nextByte`): read from there, not the start. */
  fromByte?: number;
  reportId: string;
  /** The version listed: a file that is no longer this version is not read (`trouble` says `changed`). */
  version?: FileVersion;
}

export interface ApplyOptOutFileResult {
  /** Where the next chunk of this file starts; absent when the file is done. */
  nextLine?: number;
  /** The byte `nextLine` starts at, in a plain CSV file. */
  nextByte?: number;
  counts: OptOutCounts;
  /** Why the call did not apply (the rest of) the file: changed, archived, vanished or unreadable. */
  trouble?: FileTrouble;
}

export interface PublishOptOutAuditInput {
  /** The pass's audit, `<reports.folder>/optout/<reportId>.csv`. */
  reportId: string;
}
