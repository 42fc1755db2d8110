import { type Logger } from '../../logging/logger';
import {
  type CallInfo,
  DeltaTokenExpiredError,
  DynamicsApiError,
  DynamicsError,
  DynamicsMalformedResponseError,
  DynamicsNetworkError,
  EXPIRED_DELTA_TOKEN_CODE,
} from './errors';
import { type Answer, type ConcurrencyController } from '../../http/concurrency-controller';
import { redactPath } from './paths';
import { type TokenProvider } from './token-provider';
import { type RawResponse, Transport, TransportError } from './transport';

/** Retry and concurrency limits of the Web API client. */
export interface DynamicsLimits {
  /** Most requests in flight at once for this application user (Dataverse refuses beyond 52). @default 8 */
  maxConcurrentRequests?: number;
  /** Idle timeout of one request in milliseconds. @default 120000 */
  requestTimeoutMs?: number;
  /** Retries of one request after a 5xx or a connection failure. @default 5 */
  maxTransientRetries?: number;
  /** First backoff delay; doubles per retry, with jitter. @default 500 */
  retryBaseDelayMs?: number;
  /** Largest backoff delay. @default 30000 */
  retryMaxDelayMs?: number;
  /** Total time one request may spend waiting on 429 `Retry-After` before failing. @default 900000 */
  maxThrottleWaitMs?: number;
}

/** Options of one Web API call. */
export interface CallOptions {
  headers?: Record<string, string>;
  body?: string;
  /** Safe to resend after a 5xx or a connection failure. @default true unless the method is POST */
  idempotent?: boolean;
  /** Return (instead of throwing) answers with these statuses, e.g. a multipart `$batch` error answer. */
  acceptStatus?: (status: number, response: RawResponse) => boolean;
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EAI_AGAIN',
]);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function header(response: RawResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Parses `Retry-After` (seconds or an HTTP date) to milliseconds. */
function retryAfterMs(response: RawResponse): number | undefined {
  const value = header(response, 'retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(seconds, 0) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(date - Date.now(), 0);
}

/** Dataverse's `{"error":{"code","message"}}`, or whatever can be said about a body that is not that. */
function remoteError(response: RawResponse): { code: string; message: string } {
  const text = response.body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error && typeof parsed.error === 'object') {
      const { code, message } = parsed.error;
      return { code: typeof code === 'string' ? code : '', message: typeof message === 'string' ? message : '' };
    }
  } catch {
    // Not JSON: fall through and describe it.
  }
  const type = header(response, 'content-type') ?? 'no content type';
  return { code: '', message: text === '' ? `empty body (${type})` : `non-JSON body (${type}, ${text.length} bytes)` };
}

/** What an answer tells the concurrency controller: the recommended parallelism, and whether it was a 429. */
function answerOf(response: RawResponse, wait: number): Answer {
  const number = (name: string): number | undefined => {
    const value = Number(header(response, name));
    return header(response, name) === undefined || !Number.isFinite(value) ? undefined : value;
  };
  const hint = number('x-ms-dop-hint');
  if (response.status === 429) return { kind: 'throttled', retryAfterMs: wait, hint };
  return { kind: 'answered', hint };
}

/**
 * The Web API's HTTP layer: bearer token, OData headers, the application user's concurrency controller (a 429 holds
 * every request of the user until `Retry-After` has passed), and the retry rules — 5xx and connection failures back
 * off with jitter within a budget, 401 renews the token once.
 */
export class WebApiHttp {
  private readonly transport: Transport;
  private readonly limits: Required<DynamicsLimits>;
  private closed = false;

  constructor(
    private readonly tokens: TokenProvider,
    private readonly logger: Logger,
    private readonly controller: ConcurrencyController,
    limits: DynamicsLimits = {},
    ca?: string
  ) {
    this.limits = {
      maxConcurrentRequests: limits.maxConcurrentRequests ?? 8,
      requestTimeoutMs: limits.requestTimeoutMs ?? 120_000,
      maxTransientRetries: limits.maxTransientRetries ?? 5,
      retryBaseDelayMs: limits.retryBaseDelayMs ?? 500,
      retryMaxDelayMs: limits.retryMaxDelayMs ?? 30_000,
      maxThrottleWaitMs: limits.maxThrottleWaitMs ?? 900_000,
    };
    this.transport = new Transport({
      ca,
      timeoutMs: this.limits.requestTimeoutMs,
      maxSockets: this.limits.maxConcurrentRequests,
    });
  }

  async request(method: string, url: string, options: CallOptions = {}): Promise<RawResponse> {
    const target = new URL(url);
    const path = redactPath(url);
    if (this.closed) throw new DynamicsError(`${method} ${path} refused: the Dynamics client is closed`);
    const idempotent = options.idempotent ?? method !== 'POST';
    let transientRetries = 0;
    let throttledMs = 0;
    let throttles = 0;
    let renewed = false;
    let forceRefresh = false;
    for (;;) {
      const token = await this.tokens.getToken(forceRefresh);
      forceRefresh = false;
      // Nothing between the permit and the send: a penalty that starts meanwhile must hold this request too.
      const permit = await this.controller.acquire();
      let response: RawResponse;
      try {
        response = await this.transport.send(method, target, this.headers(token, options), options.body);
      } catch (err) {
        permit.done({ kind: 'failed' });
        const code = err instanceof TransportError ? err.code : 'UNKNOWN';
        if (idempotent && TRANSIENT_NETWORK_CODES.has(code) && transientRetries < this.limits.maxTransientRetries) {
          transientRetries++;
          await this.backoff(transientRetries, { method, path, code });
          continue;
        }
        throw new DynamicsNetworkError(method, path, code, err);
      }
      const wait =
        response.status === 429
          ? (retryAfterMs(response) ?? Math.min(2 ** (throttles + 1) * 1000, this.limits.retryMaxDelayMs))
          : 0;
      permit.done(answerOf(response, wait));
      const call: CallInfo = { method, path, status: response.status };
      if (response.status === 401 && !renewed) {
        // The token expired or was revoked early: renew once, bypassing MSAL's cache.
        renewed = true;
        forceRefresh = true;
        this.logger.info({ method, path }, 'Dynamics answered 401; renewing the access token');
        continue;
      }
      if (response.status === 429) {
        throttles++;
        if (throttledMs + wait > this.limits.maxThrottleWaitMs) throw this.apiError(call, response);
        throttledMs += wait;
        this.logger.warn({ method, path, waitMs: wait }, 'Dynamics throttled the request (429); waiting as told');
        continue;
      }
      // An accepted error answer (a multipart $batch answer) was executed: resending would run it again.
      if (response.status >= 400 && options.acceptStatus?.(response.status, response)) return response;
      if (response.status >= 500 && idempotent && transientRetries < this.limits.maxTransientRetries) {
        transientRetries++;
        await this.backoff(transientRetries, { method, path, status: response.status });
        continue;
      }
      if (response.status >= 400) throw this.apiError(call, response);
      return response;
    }
  }

  /** GET/POST and parse the JSON answer, failing clearly when it is not JSON. */
  async requestJson(
    method: string,
    url: string,
    options: CallOptions = {}
  ): Promise<{ response: RawResponse; json: unknown }> {
    const response = await this.request(method, url, options);
    return { response, json: parseJsonBody({ method, path: redactPath(url), status: response.status }, response) };
  }

  close(): void {
    this.closed = true;
    this.transport.close();
  }

  private headers(token: string, options: CallOptions): Record<string, string> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      ...options.headers,
    };
    if (options.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }
    return headers;
  }

  private async backoff(attempt: number, context: Record<string, unknown>): Promise<void> {
    const ceiling = Math.min(this.limits.retryBaseDelayMs * 2 ** (attempt - 1), this.limits.retryMaxDelayMs);
    // Equal jitter: at least half the ceiling, so retries never collapse to zero delay.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.logger.warn(
      { ...context, attempt, delayMs: Math.round(delay) },
      'Dynamics request failed transiently; retrying'
    );
    await sleep(delay);
  }

  private apiError(call: CallInfo, response: RawResponse): DynamicsApiError {
    const { code, message } = remoteError(response);
    return code.toLowerCase() === EXPIRED_DELTA_TOKEN_CODE
      ? new DeltaTokenExpiredError(call, code, message)
      : new DynamicsApiError(call, code, message);
  }
}

/** Parses a JSON answer body, or throws a malformed-answer error naming the call. */
export function parseJsonBody(call: CallInfo, response: RawResponse): unknown {
  const text = response.body.toString('utf8');
  const type = header(response, 'content-type') ?? '';
  if (!type.toLowerCase().includes('json')) {
    throw new DynamicsMalformedResponseError(
      call,
      `expected JSON but got ${type || 'no content type'} (${text.length} bytes)`
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the body, which may hold personal data: report only its size.
    throw new DynamicsMalformedResponseError(call, `body is not valid JSON (${text.length} bytes)`);
  }
}
