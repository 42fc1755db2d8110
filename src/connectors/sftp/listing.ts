import { posix } from 'node:path';
import type Ssh2SftpClient from 'ssh2-sftp-client';
import { type ListOptions, type RemoteEntry } from './options';
import { isPartialName } from './remote-path';

const ENTRY_TYPES: Record<string, RemoteEntry['type']> = { d: 'directory', '-': 'file', l: 'symlink' };

/** Turns a directory listing into entries, filtered and ordered as asked. */
export function selectEntries(dir: string, listing: Ssh2SftpClient.FileInfo[], options: ListOptions): RemoteEntry[] {
  const wantedType = options.type ?? 'file';
  const matches = toPredicate(options.match);
  const entries = listing
    .map((info) => toEntry(dir, info))
    .filter((entry): entry is RemoteEntry => entry !== undefined)
    .filter((entry) => wantedType === 'any' || entry.type === wantedType)
    .filter((entry) => options.includePartial === true || !isPartialName(entry.name))
    .filter((entry) => matches(entry.name));
  return entries.sort(options.orderBy === 'modified' ? byModifiedThenName : byName);
}

function toEntry(dir: string, info: Ssh2SftpClient.FileInfo): RemoteEntry | undefined {
  const type = ENTRY_TYPES[info.type];
  if (!type) return undefined;
  return {
    name: info.name,
    path: posix.join(dir, info.name),
    type,
    size: info.size,
    modifiedAt: new Date(info.modifyTime),
  };
}

function toPredicate(match: ListOptions['match']): (name: string) => boolean {
  if (match === undefined) return () => true;
  if (typeof match === 'function') return match;
  // A fresh RegExp per call: a global/sticky pattern's lastIndex would otherwise skip matches.
  return (name) => new RegExp(match.source, match.flags).test(name);
}

function byName(a: RemoteEntry, b: RemoteEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function byModifiedThenName(a: RemoteEntry, b: RemoteEntry): number {
  return a.modifiedAt.getTime() - b.modifiedAt.getTime() || byName(a, b);
}
