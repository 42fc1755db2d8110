import { posix } from 'node:path';

/** Suffix of a file being uploaded; it is renamed to its final name only once complete. */
export const PARTIAL_SUFFIX = '.part';

/** Absolute paths stay as they are; relative ones resolve against `root` (or the server's start directory). */
export function resolveRemotePath(root: string | undefined, remotePath: string): string {
  if (remotePath.startsWith('/') || !root) return posix.normalize(remotePath);
  return posix.join(root, remotePath);
}

export function partialPathOf(remotePath: string): string {
  return `${remotePath}${PARTIAL_SUFFIX}`;
}

export function isPartialName(name: string): boolean {
  return name.endsWith(PARTIAL_SUFFIX);
}
