import { posix } from 'node:path';
import { type SftpClient } from '../../connectors/sftp';
import { isEventFileName } from '../../sync/egress';
import { type ArchiveEventFileInput } from './contracts';

/** Sub-folder of the source folder that applied event files move to. */
export const PROCESSED_FOLDER = 'processed';

/** Moves an applied event file to `processed/` under the source folder; a file moved already is fine. */
export async function archiveEventFile(
  sftp: SftpClient,
  sourceFolder: string,
  input: ArchiveEventFileInput
): Promise<void> {
  if (!isEventFileName(input.file)) throw new TypeError(`${input.file} is not an event file name`);
  await sftp.move(posix.join(sourceFolder, input.file), posix.join(sourceFolder, PROCESSED_FOLDER, input.file));
}
