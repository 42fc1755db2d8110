import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type Ssh2SftpClient from 'ssh2-sftp-client';
import { SftpError } from './errors';
import { partialPathOf } from './remote-path';

/** Counts the bytes that pass through, without holding them. */
class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * Streams `source` to `<target>.part` (truncating what an earlier, interrupted attempt left), checks that the server
 * holds every byte sent, then renames it over `target` in one step. Readers of `target` therefore see either the
 * previous file or the complete new one, never a partial file. Memory stays bounded: the stream is piped with
 * back-pressure, one chunk in flight.
 */
export async function uploadAtomically(
  sftp: Ssh2SftpClient,
  source: Readable,
  target: string,
  connection: { endpoint: string; isAlive: () => boolean }
): Promise<number> {
  const partial = partialPathOf(target);
  const counter = new ByteCounter();
  // pipeline (unlike pipe) also fails the upload when the source is destroyed without an error.
  pipeline(source, counter, (error) => {
    if (error) counter.destroy(error);
  });
  try {
    await sftp.put(counter, partial);
  } catch (error) {
    source.destroy();
    // Tidy up if the connection still works; otherwise the next attempt overwrites the leftover.
    if (connection.isAlive()) await sftp.delete(partial, true).catch(() => undefined);
    throw error;
  }
  const stored = await sftp.stat(partial);
  if (stored.size !== counter.bytes) {
    throw new SftpError({
      kind: 'incomplete',
      operation: 'upload',
      endpoint: connection.endpoint,
      remotePath: target,
      reason: `the server holds ${stored.size} bytes of ${partial} but ${counter.bytes} were sent`,
    });
  }
  await replace(sftp, partial, target);
  return counter.bytes;
}

/** Renames `from` over `to`: atomically with OpenSSH's posix-rename extension, else delete-then-rename. */
export async function replace(sftp: Ssh2SftpClient, from: string, to: string): Promise<void> {
  try {
    await sftp.posixRename(from, to);
  } catch (error) {
    if (!/does not support this extended request/i.test((error as Error).message)) throw error;
    await sftp.delete(to, true);
    await sftp.rename(from, to);
  }
}
