import { connect } from 'node:net';
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import Ssh2SftpClient from 'ssh2-sftp-client';
import { createLogger, type Logger } from '../../logging/logger';
import { replace, uploadAtomically } from './atomic-upload';
import { ensureDirectory } from './directories';
import { classifyRawError, SftpError } from './errors';
import { HostKeyCheck, trustedFingerprints } from './host-key';
import { selectEntries } from './listing';
import {
  type ListOptions,
  type MoveOptions,
  type RemoteEntry,
  type SftpClientOptions,
  type UploadOptions,
  type UploadResult,
} from './options';
import { resolveRemotePath } from './remote-path';

interface Session {
  sftp: Ssh2SftpClient;
  /** Set as soon as ssh2 reports an error, end or close: the next call opens a new connection. */
  lost: boolean;
  /** Called once when the session is lost: open read streams fail then (ssh2 leaves them hanging otherwise). */
  onLost: Set<() => void>;
}

/** ssh2-sftp-client's own default listeners print to the console; ours only log. */
type EventCallbacks = NonNullable<ConstructorParameters<typeof Ssh2SftpClient>[1]>;

/**
 * SFTP client for the Campaign storage (or any OpenSSH-compatible server). It keeps one connection, opened on first
 * use and reopened after a drop. Idempotent calls (list, stat, mkdir, move, remove) are retried once on a fresh
 * connection when the old one turns out to be dead; uploads and reads are not (their stream is consumed), the caller
 * retries them. Every failure is an {@link SftpError}.
 */
export class SftpClient {
  private readonly options: SftpClientOptions;
  private readonly endpoint: string;
  private readonly logger: Logger;
  private readonly trustedHostKeys: string[];
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;
  private closed = false;

  constructor(options: SftpClientOptions) {
    this.options = options;
    this.endpoint = `${options.host}:${options.port ?? 22}`;
    this.logger = options.logger ?? createLogger({ bindings: { component: 'sftp' } });
    this.trustedHostKeys = trustedFingerprints(options.hostKey);
  }

  /** Opens the connection now (otherwise the first call does). */
  async connect(): Promise<void> {
    await this.liveSession('connect', undefined);
  }

  /** Closes the connection; the client cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    if (session) await session.sftp.end().catch(() => undefined);
  }

  /**
   * Streams `source` to `remotePath`, atomically: the bytes go to `<remotePath>.part`, which is renamed over
   * `remotePath` once the server holds all of them. After a failure, calling again with a fresh stream leaves exactly
   * one complete file.
   */
  async upload(remotePath: string, source: Readable, options: UploadOptions = {}): Promise<UploadResult> {
    const target = this.resolve(remotePath);
    const bytes = await this.run('upload', target, false, async (sftp, session) => {
      if (options.createParents ?? true) await ensureDirectory(sftp, posix.dirname(target));
      return uploadAtomically(sftp, source, target, { endpoint: this.endpoint, isAlive: () => !session.lost });
    });
    this.logger.debug({ endpoint: this.endpoint, path: target, bytes }, 'sftp upload complete');
    return { path: target, bytes };
  }

  /** A stream of the remote file's content, from byte `start` (default 0); rejects at once if the file does not exist. */
  async openReadStream(remotePath: string, options: { start?: number } = {}): Promise<Readable> {
    const target = this.resolve(remotePath);
    return this.run('read', target, false, async (sftp, session) => {
      const stats = await sftp.stat(target);
      if (!stats.isFile) throw this.error('read', target, 'failure', 'not a regular file');
      const raw = sftp.createReadStream(target, options.start ? { start: options.start } : {});
      const output = new PassThrough();
      // `on`, not `once`: a stream on a dead channel can fail more than once, and an unheard error ends the process.
      raw.on('error', (error: unknown) => {
        if (output.destroyed) return;
        const { kind, reason } = classifyRawError(error, session.lost);
        output.destroy(this.error('read', target, kind, reason, error));
      });
      const failOnLoss = (): void => {
        if (output.destroyed) return;
        output.destroy(this.error('read', target, 'connection', 'the connection was lost while reading'));
      };
      session.onLost.add(failOnLoss);
      output.once('close', () => {
        session.onLost.delete(failOnLoss);
        raw.destroy();
      });
      return raw.pipe(output);
    });
  }

  /** Entries of a directory: files only, without unfinished uploads, ordered by name, unless told otherwise. */
  async list(remoteDir: string, options: ListOptions = {}): Promise<RemoteEntry[]> {
    const dir = this.resolve(remoteDir);
    const listing = await this.run('list', dir, true, (sftp) => sftp.list(dir));
    return selectEntries(dir, listing, options);
  }

  /** The entry at `remotePath`, or `undefined` if nothing is there. */
  async stat(remotePath: string): Promise<RemoteEntry | undefined> {
    const target = this.resolve(remotePath);
    return this.run('stat', target, true, async (sftp) => {
      const type = await sftp.exists(target);
      if (type === false) return undefined;
      const stats = await sftp.stat(target);
      return {
        name: posix.basename(target),
        path: target,
        type: type === 'd' ? 'directory' : type === 'l' ? 'symlink' : 'file',
        size: stats.size,
        modifiedAt: new Date(stats.modifyTime),
      } satisfies RemoteEntry;
    });
  }

  /** Creates a directory and its missing parents (`mkdir -p`); an existing directory is fine. */
  async mkdirp(remoteDir: string): Promise<void> {
    const dir = this.resolve(remoteDir);
    await this.run('mkdir', dir, true, (sftp) => ensureDirectory(sftp, dir));
  }

  /**
   * Moves or renames a file, replacing the destination (e.g. `exports/a.csv` → `processed/a.csv`). Idempotent: if the
   * source is gone and the destination exists, an earlier attempt already moved it and nothing is done.
   */
  async move(fromPath: string, toPath: string, options: MoveOptions = {}): Promise<void> {
    const from = this.resolve(fromPath);
    const to = this.resolve(toPath);
    await this.run('move', from, true, async (sftp) => {
      if ((await sftp.exists(from)) === false && (await sftp.exists(to)) !== false) return;
      if (options.createParents ?? true) await ensureDirectory(sftp, posix.dirname(to));
      await replace(sftp, from, to);
    });
  }

  /** Deletes a file; a file that is already gone is fine. */
  async remove(remotePath: string): Promise<void> {
    const target = this.resolve(remotePath);
    await this.run('remove', target, true, (sftp) => sftp.delete(target, true));
  }

  private resolve(remotePath: string): string {
    return resolveRemotePath(this.options.root, remotePath);
  }

  /** Runs one operation on the live connection, turning every failure into an SftpError. */
  private async run<T>(
    operation: string,
    remotePath: string,
    retryOnDrop: boolean,
    action: (sftp: Ssh2SftpClient, session: Session) => Promise<T>
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const session = await this.liveSession(operation, remotePath);
      try {
        return await action(session.sftp, session);
      } catch (error) {
        if (error instanceof SftpError) throw error;
        const { kind, reason } = classifyRawError(error, session.lost);
        if (kind === 'connection') session.lost = true;
        if (kind === 'connection' && retryOnDrop && attempt === 1) {
          this.logger.warn({ endpoint: this.endpoint, operation, path: remotePath }, 'sftp connection lost; retrying');
          continue;
        }
        throw this.error(operation, remotePath, kind, reason, error);
      }
    }
  }

  private async liveSession(operation: string, remotePath: string | undefined): Promise<Session> {
    if (this.closed) throw new Error(`SFTP client for ${this.endpoint} is closed`);
    if (this.session && !this.session.lost) return this.session;
    this.opening ??= this.openSession(operation, remotePath).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openSession(operation: string, remotePath: string | undefined): Promise<Session> {
    const previous = this.session;
    this.session = undefined;
    if (previous) await previous.sftp.end().catch(() => undefined);

    const session: Session = {
      sftp: new Ssh2SftpClient('acs-d365', this.eventCallbacks()),
      lost: false,
      onLost: new Set(),
    };
    const markLost = (): void => {
      session.lost = true;
      const listeners = [...session.onLost];
      session.onLost.clear();
      for (const listener of listeners) listener();
    };
    let rawError: unknown;
    session.sftp.on('error', (error: unknown) => {
      rawError ??= error;
      markLost();
    });
    session.sftp.on('end', markLost);
    session.sftp.on('close', markLost);
    const hostKeyCheck = new HostKeyCheck(this.trustedHostKeys);
    try {
      await session.sftp.connect(this.connectConfig(hostKeyCheck));
    } catch (error) {
      throw this.connectError(operation, remotePath, hostKeyCheck, rawError ?? error);
    }
    if (this.closed) {
      await session.sftp.end().catch(() => undefined);
      throw new Error(`SFTP client for ${this.endpoint} is closed`);
    }
    this.logger.debug({ endpoint: this.endpoint }, 'sftp connected');
    this.session = session;
    return session;
  }

  private connectConfig(hostKeyCheck: HostKeyCheck): Ssh2SftpClient.ConnectOptions {
    const { options } = this;
    const credentials =
      'password' in options.credentials
        ? { password: options.credentials.password }
        : { privateKey: options.credentials.privateKey, passphrase: options.credentials.passphrase };
    const port = options.port ?? 22;
    return {
      host: options.host,
      port,
      // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs add ~40 ms to every SFTP write round trip.
      sock: connect({ host: options.host, port, noDelay: true }),
      username: options.username,
      ...credentials,
      tryKeyboard: false,
      hostVerifier: hostKeyCheck.verify,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 3,
    };
  }

  private connectError(
    operation: string,
    remotePath: string | undefined,
    hostKeyCheck: HostKeyCheck,
    error: unknown
  ): SftpError {
    const hostKeyRefusal = hostKeyCheck.refusal();
    if (hostKeyRefusal) return this.error(operation, remotePath, 'host-key', hostKeyRefusal, error);
    const { kind, reason } = classifyRawError(error, false);
    const detail = kind === 'auth' ? `${reason} (user ${this.options.username})` : reason;
    return this.error(operation, remotePath, kind, detail, error);
  }

  private eventCallbacks(): EventCallbacks {
    return {
      error: (error) => this.logger.debug({ endpoint: this.endpoint, err: error }, 'sftp connection error'),
      end: () => this.logger.debug({ endpoint: this.endpoint }, 'sftp connection ended'),
      close: () => this.logger.debug({ endpoint: this.endpoint }, 'sftp connection closed'),
    };
  }

  private error(
    operation: string,
    remotePath: string | undefined,
    kind: SftpError['kind'],
    reason: string,
    cause?: unknown
  ): SftpError {
    return new SftpError({ kind, operation, endpoint: this.endpoint, remotePath, reason, cause });
  }
}
