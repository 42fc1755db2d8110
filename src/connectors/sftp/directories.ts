import type Ssh2SftpClient from 'ssh2-sftp-client';

/**
 * `mkdir -p` that tolerates a concurrent creator: two uploads into a new folder race to create it, and the loser's
 * failure (which ssh2-sftp-client reports as "permission denied") is fine if the directory now exists.
 */
export async function ensureDirectory(sftp: Ssh2SftpClient, dir: string): Promise<void> {
  try {
    await sftp.mkdir(dir, true);
  } catch (error) {
    if ((await sftp.exists(dir).catch(() => false)) === 'd') return;
    throw error;
  }
}
