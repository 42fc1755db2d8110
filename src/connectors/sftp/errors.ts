/** What went wrong, for callers that react differently (e.g. retry only `connection`). */
export type SftpErrorKind =
  | 'auth' // the server refused the credentials
  | 'host-key' // the server's host key is not pinned
  | 'permission' // the server refused the operation on that path
  | 'not-found' // the path does not exist
  | 'connection' // could not connect, or the connection dropped
  | 'incomplete' // the upload ended with fewer bytes on the server than were sent
  | 'failure'; // anything else the server reported

export interface SftpErrorInit {
  kind: SftpErrorKind;
  operation: string;
  endpoint: string;
  remotePath?: string;
  reason: string;
  cause?: unknown;
}

/**
 * Error of an SFTP operation. Its message names the operation, `host:port` and the remote path, never credentials.
 * Retrying makes sense for `connection` and `incomplete` only.
 */
export class SftpError extends Error {
  override readonly name = 'SftpError';
  readonly kind: SftpErrorKind;
  readonly operation: string;
  readonly endpoint: string;
  readonly remotePath: string | undefined;

  constructor(init: SftpErrorInit) {
    const target = init.remotePath === undefined ? '' : ` ${init.remotePath}`;
    super(`SFTP ${init.operation}${target} on ${init.endpoint} failed: ${init.reason}`, { cause: init.cause });
    this.kind = init.kind;
    this.operation = init.operation;
    this.endpoint = init.endpoint;
    this.remotePath = init.remotePath;
  }
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7) that ssh2 reports as a numeric `code`. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_NOT_CONNECTED',
]);

const CONNECTION_MESSAGES =
  /Unexpected (close|end) event|No SFTP connection|Not connected|connection (lost|closed)|Timed out while waiting for handshake|No response from server/i;

interface RawError {
  code?: unknown;
  message?: unknown;
  level?: unknown;
}

/** Sorts an error from ssh2 / ssh2-sftp-client into a kind, and a short reason for the message. */
export function classifyRawError(error: unknown, connectionLost: boolean): { kind: SftpErrorKind; reason: string } {
  const raw = (typeof error === 'object' && error !== null ? error : {}) as RawError;
  const code = raw.code;
  const detail = typeof raw.message === 'string' ? raw.message : String(error);
  if (raw.level === 'client-authentication') {
    return { kind: 'auth', reason: 'authentication failed: the server refused the username and key/password' };
  }
  if (/privateKey|private (OpenSSH )?key/i.test(detail)) {
    return { kind: 'auth', reason: `the private key could not be used (${detail}); give an OpenSSH or PEM key` };
  }
  if (code === SFTP_NO_SUCH_FILE || code === 'ENOENT') {
    return { kind: 'not-found', reason: `no such file or directory (server: ${detail})` };
  }
  if (code === SFTP_PERMISSION_DENIED || code === 'EACCES' || /permission denied/i.test(detail)) {
    return { kind: 'permission', reason: `permission denied (server: ${detail})` };
  }
  if (connectionLost || (typeof code === 'string' && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.test(detail)) {
    return { kind: 'connection', reason: `connection failed or dropped (${detail})` };
  }
  return { kind: 'failure', reason: detail };
}
