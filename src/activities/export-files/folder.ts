import { posix } from 'node:path';
import { type SftpClient, SftpError } from '../../connectors/sftp';
import {
  type ExportFile,
  type FileTrouble,
  type FileVersion,
  type ListExportFilesResult,
  type SettleExportFileResult,
} from './contracts';

/** Sub-folder of the source folder that applied files move to. */
export const PROCESSED_FOLDER = 'processed';
/** Sub-folder of the source folder that unreadable files move to, for a person to look at (and move back once fixed). */
export const REJECTED_FOLDER = 'rejected';

/**
 * Every complete export file in the folder, by name. Applied files are moved to `processed/` and unreadable ones to
 * `rejected/`, so whatever is in the folder is unprocessed, whatever its name sorts after. A folder that does not exist
 * yet (Campaign has exported nothing so far) lists no file.
 */
export async function listExportFiles(
  sftp: SftpClient,
  folder: string,
  isName: (name: string) => boolean,
  inProgress: string[] | string = []
): Promise<ListExportFilesResult> {
  const entries = await sftp.list(folder, { match: isName, orderBy: 'name' }).catch((error: unknown) => {
    if (error instanceof SftpError && error.kind === 'not-found') return [];
    throw error;
  });
  const files: ExportFile[] = entries.map((entry) => ({
    name: entry.name,
    size: entry.size,
    modifiedAt: entry.modifiedAt.getTime(),
  }));
  const gone = (typeof inProgress === 'string' ? [inProgress] : inProgress).filter(
    (name) => !files.some((file) => file.name === name)
  );
  const archived: string[] = [];
  for (const name of gone) {
    if ((await sftp.stat(posix.join(folder, PROCESSED_FOLDER, name))) !== undefined) archived.push(name);
  }
  if (archived.length === 0) return { files };
  // A pass of an earlier version (one name) reads `inProgressArchived`, during a rolling upgrade.
  return { files, archived, ...(typeof inProgress === 'string' ? { inProgressArchived: true } : {}) };
}

/** Whether the file is still the version listed; when it is not there, whether it was archived or vanished. */
export async function fileTrouble(
  sftp: SftpClient,
  folder: string,
  file: string,
  expected: FileVersion | undefined
): Promise<{ trouble?: FileTrouble; version?: FileVersion }> {
  const entry = await sftp.stat(posix.join(folder, file));
  if (!entry) {
    const archived = (await sftp.stat(posix.join(folder, PROCESSED_FOLDER, file))) !== undefined;
    return { trouble: { kind: archived ? 'archived' : 'vanished' } };
  }
  const version = { size: entry.size, modifiedAt: entry.modifiedAt.getTime() };
  const changed = expected && (expected.size !== version.size || expected.modifiedAt !== version.modifiedAt);
  return changed ? { trouble: { kind: 'changed', now: version }, version } : { version };
}

/**
 * Moves an applied file to `processed/` if it is still the version applied (one that changed meanwhile is read again,
 * not archived with lines unread), or an unreadable one to `rejected/`. Idempotent: a file moved already is fine.
 */
export async function settleExportFile(
  sftp: SftpClient,
  folder: string,
  file: string,
  as: 'processed' | 'rejected',
  version?: FileVersion
): Promise<SettleExportFileResult> {
  const target = as === 'processed' ? PROCESSED_FOLDER : REJECTED_FOLDER;
  if (as === 'processed') {
    const { trouble } = await fileTrouble(sftp, folder, file, version);
    if (trouble?.kind === 'archived') return {};
    if (trouble) return { trouble };
  }
  await sftp.move(posix.join(folder, file), posix.join(folder, target, file));
  return {};
}
