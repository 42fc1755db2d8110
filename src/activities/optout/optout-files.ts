import { posix } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { type SftpClient, SftpError } from '../../connectors/sftp';
import { OPT_OUT_CONFIG_ERROR } from './settings';

/** `optouts_<UTC yyyyMMddHHmmss>_<sequence>.csv[.gz]` (docs/campaign-files.md); other names are not complete files. */
export const OPT_OUT_FILE_NAME = /^optouts_\d{14}_\d+\.csv(\.gz)?$/;

/** Where processed files go, under the source folder. */
export const PROCESSED_FOLDER = 'processed';

/**
 * Complete opt-out files after `after`, oldest first (names sort in time order). A folder that does not exist yet
 * (Campaign has not exported anything) has no files.
 */
export async function listOptOutFiles(sftp: SftpClient, folder: string, after?: string): Promise<string[]> {
  const entries = await sftp.list(folder, { match: OPT_OUT_FILE_NAME, orderBy: 'name' }).catch((error: unknown) => {
    if (error instanceof SftpError && error.kind === 'not-found') return [];
    throw error;
  });
  return entries.map((entry) => entry.name).filter((name) => after === undefined || name > after);
}

/** Moves a processed file to `processed/`; a file already moved is fine. */
export async function archiveOptOutFile(sftp: SftpClient, folder: string, file: string): Promise<void> {
  checkFileName(file);
  await sftp.move(posix.join(folder, file), posix.join(folder, PROCESSED_FOLDER, file));
}

/** Refuses anything but an opt-out file name (a path from a workflow input must not reach outside the folder). */
export function checkFileName(file: string): void {
  if (!OPT_OUT_FILE_NAME.test(file)) {
    throw ApplicationFailure.nonRetryable(
      `${JSON.stringify(file)} is not an opt-out file name (optouts_<yyyyMMddHHmmss>_<sequence>.csv[.gz])`,
      OPT_OUT_CONFIG_ERROR
    );
  }
}
