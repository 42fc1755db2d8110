/**
 * What the export-file activities of egress and opt-out share: a file as listed, and what can go wrong with a file
 * between its listing and its archiving. File names, sizes, times and reasons only: never a line of a file.
 */

/** One version of an export file: a file whose size or modification time changed is another version. */
export interface FileVersion {
  size: number;
  /** Modification time, in milliseconds (SFTP gives whole seconds). */
  modifiedAt: number;
}

/** A complete export file in the source folder. */
export interface ExportFile extends FileVersion {
  name: string;
}

export interface ListExportFilesInput {
  /**
   * The files a pass was applying when it stopped: the answer says which were archived meanwhile. One name: a call
   * scheduled by an earlier version.
   */
  inProgress?: string[] | string;
}

export interface ListExportFilesResult {
  /** Every complete file in the folder (all of them are unprocessed: processed ones are moved away), by name. */
  files: ExportFile[];
  /** The in-progress files no longer in the folder but in `processed/`: applied and archived. */
  archived?: string[];
  /** An earlier version's answer for its one in-progress file (`archived` now); read when a pass replays. */
  inProgressArchived?: boolean;
}

/**
 * Why a call did not apply (the rest of) a file:
 * - `changed`: the file is not the version listed (replaced or appended to): read it again from the start;
 * - `archived`: the file is in `processed/` already (an earlier attempt archived it);
 * - `vanished`: the file is neither in the folder nor in `processed/`;
 * - `unreadable`: the file cannot be read (corrupt gzip, wrong header): it is set aside whole, `line` is where
 *   reading stopped, and the reason is in the rejects report or audit.
 */
export type FileTrouble =
  | { kind: 'changed'; now: FileVersion }
  | { kind: 'archived' }
  | { kind: 'vanished' }
  | { kind: 'unreadable'; line: number; reason: string };

export interface SettleExportFileInput {
  file: string;
  /** `processed`: applied (archived only if still the version read); `rejected`: set aside whole. */
  as: 'processed' | 'rejected';
  /** The version that was applied; the file is not archived if it changed since. */
  version?: FileVersion;
}

/** Absent `trouble`: the file is settled (moved); otherwise why not. */
export interface SettleExportFileResult {
  trouble?: FileTrouble;
}

export type { SkippedFile } from '../../sync/skipped-files';
