import { type SftpClient, SftpError } from '../../connectors/sftp';
import { eventFilesAfter } from '../../sync/egress';
import { type ListEventFilesInput, type ListEventFilesResult } from './contracts';

/**
 * Complete event files after the cursor, in lexical (= time) order; unfinished `.part` uploads are never listed. A
 * source folder that does not exist yet (Campaign has exported nothing so far) lists no file.
 */
export async function listEventFiles(
  sftp: SftpClient,
  sourceFolder: string,
  input: ListEventFilesInput
): Promise<ListEventFilesResult> {
  try {
    const entries = await sftp.list(sourceFolder);
    return {
      files: eventFilesAfter(
        entries.map((entry) => entry.name),
        input.after
      ),
    };
  } catch (error) {
    if (error instanceof SftpError && error.kind === 'not-found') return { files: [] };
    throw error;
  }
}
