/** Base of every error the Dynamics client throws; messages never contain tokens, secrets or query strings. */
export class DynamicsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** What identifies a failed call: method, path (query removed, key values masked), HTTP status. */
export interface CallInfo {
  method: string;
  path: string;
  status: number;
}

/** The Web API answered with an error: names the call, the status, and Dataverse's error code and message. */
export class DynamicsApiError extends DynamicsError {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Dataverse's error code, e.g. `0x80044331` (often empty). */
  readonly code: string;
  /** Dataverse's error message. */
  readonly remoteMessage: string;

  constructor(call: CallInfo, code: string, remoteMessage: string) {
    super(
      `${call.method} ${call.path} failed: HTTP ${call.status}${code ? ` ${code}` : ''}: ${remoteMessage || '(no message)'}`
    );
    this.method = call.method;
    this.path = call.path;
    this.status = call.status;
    this.code = code;
    this.remoteMessage = remoteMessage;
  }
}

/** A delta token Dataverse no longer honours (`0x80044352`): the caller must do a full read again. */
export class DeltaTokenExpiredError extends DynamicsApiError {}

/** The code Dataverse answers for an expired change-tracking version stamp. */
export const EXPIRED_DELTA_TOKEN_CODE = '0x80044352';

/** The Web API answered 2xx with a body the client cannot use (not JSON, no `value`, no delta link...). */
export class DynamicsMalformedResponseError extends DynamicsError {
  constructor(
    readonly call: CallInfo,
    problem: string
  ) {
    super(`${call.method} ${call.path}: malformed answer (HTTP ${call.status}): ${problem}`);
  }
}

/** The connection failed (reset, refused, timed out) and retries were used up or not allowed. */
export class DynamicsNetworkError extends DynamicsError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly networkCode: string,
    cause: unknown
  ) {
    super(`${method} ${path} failed: network error ${networkCode}`, { cause });
  }
}

/** Entra ID refused to issue a token (bad secret, unknown app or tenant, bad scope). */
export class DynamicsAuthError extends DynamicsError {
  constructor(
    message: string,
    /** The OAuth error, e.g. `invalid_client`. */
    readonly errorCode: string,
    cause?: unknown
  ) {
    super(message, { cause });
  }
}
