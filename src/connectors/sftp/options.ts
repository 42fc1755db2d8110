import { type Logger } from '../../logging/logger';

/** Private-key authentication (OpenSSH or PEM format). */
export interface SftpKeyCredentials {
  privateKey: string | Buffer;
  /** Passphrase of an encrypted private key. @default none */
  passphrase?: string;
}

/** Password authentication. */
export interface SftpPasswordCredentials {
  password: string;
}

export type SftpCredentials = SftpKeyCredentials | SftpPasswordCredentials;

/**
 * Which host keys the client trusts. A server whose key matches none of them is refused, and the error says which
 * fingerprint it presented, so that an operator can check it and pin it. Empty lists refuse every server.
 */
export interface SftpHostKeyPins {
  /** SHA-256 fingerprints as `ssh-keygen -l` prints them (`SHA256:…`; trailing `=` optional). @default [] */
  fingerprints?: string[];
  /** Public keys as OpenSSH lines (`ssh-ed25519 AAAA… comment`) or known_hosts lines. @default [] */
  publicKeys?: string[];
}

export interface SftpClientOptions {
  host: string;
  /** @default 22 */
  port?: number;
  username: string;
  credentials: SftpCredentials;
  hostKey: SftpHostKeyPins;
  /** Remote directory that relative paths resolve against. @default the server's start directory */
  root?: string;
  /** How long the SSH handshake and authentication may take. @default 20000 */
  readyTimeoutMs?: number;
  /** SSH keepalive interval; a dead connection is noticed after `keepaliveCountMax` missed answers. @default 10000 */
  keepaliveIntervalMs?: number;
  /** @default 3 */
  keepaliveCountMax?: number;
  /** @default a logger with `{ component: 'sftp' }` */
  logger?: Logger;
}

/** One entry of a remote directory. */
export interface RemoteEntry {
  name: string;
  /** Full remote path of the entry. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  modifiedAt: Date;
}

export interface ListOptions {
  /** Keep only entries whose name matches (a RegExp, or a predicate on the name). @default every name */
  match?: RegExp | ((name: string) => boolean);
  /** @default 'file' */
  type?: RemoteEntry['type'] | 'any';
  /** Sort order; ties on `modified` are broken by name. @default 'name' */
  orderBy?: 'name' | 'modified';
  /** Include unfinished uploads (`*.part`). @default false */
  includePartial?: boolean;
}

export interface UploadOptions {
  /** Create the parent directory (and its parents) first. @default true */
  createParents?: boolean;
}

export interface UploadResult {
  path: string;
  bytes: number;
}

export interface MoveOptions {
  /** Create the destination's parent directory first. @default true */
  createParents?: boolean;
}
