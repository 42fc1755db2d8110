import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { type Logger } from '../../logging/logger';
import { backoffDelayMs, resolveRetryOptions, sleep, type ResolvedRetryOptions, type RetryOptions } from './backoff';
import { CampaignApiError } from './errors';
import { type ImsTokenProvider } from './ims-token-provider';
import { type Answer, type ConcurrencyController, type ConcurrencyState } from '../../http/concurrency-controller';
import { controllerForApi } from './api-controllers';

export interface CampaignHttpOptions {
  /** Campaign API root, e.g. `https://mc.adobe.io/<ORGANIZATION>/campaign`. */
  baseUrl: string;
  /** Value of the `X-Api-Key` header (the client ID). */
  apiKey: string;
  tokens: ImsTokenProvider;
  /** Most calls in flight at once (the concurrency controller's cap). @default 8 */
  maxConcurrency?: number;
  /** A controller of this client's own (tests). @default the one this process shares for the API and API key */
  controller?: ConcurrencyController;
  /** Retries on 5xx, network faults and malformed answers. */
  retry?: RetryOptions;
  /** Timeout of one HTTP call. @default 60000 */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * `idempotent`: retried on 5xx, network faults and malformed answers (GET, PATCH, DELETE, workflow commands).
 * `none`: never repeated here, because a repeat could write twice (POST create, signal trigger); the caller decides.
 */
export type RetryMode = 'idempotent' | 'none';

export interface CampaignRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** A path below the base URL (`/profileAndServices/profile`) or an absolute href that ACS returned. */
  target: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  retry: RetryMode;
  /** Statuses answered as results rather than errors, e.g. 404 for a lookup. @default [] */
  acceptStatuses?: number[];
  /** Whether a 2xx answer must be a JSON body (an empty body is always allowed). @default true */
  expectJson?: boolean;
}

export interface CampaignResponse {
  status: number;
  /** Parsed JSON body; undefined when the body was empty or not JSON. */
  json: unknown;
  /** The raw body text. */
  text: string;
  contentType: string;
}

const TOKEN_INVALID_CODE = '401013';

/**
 * Sends ACS calls with auth headers, adaptive concurrency (a gateway 429 holds every call of the API key until its
 * `Retry-After` has passed, then the pace ramps back), retries with backoff, and errors that name the call.
 */
export class CampaignHttp {
  private readonly http: AxiosInstance;
  private readonly controller: ConcurrencyController;
  private readonly retry: ResolvedRetryOptions;
  private readonly base: URL;

  constructor(private readonly options: CampaignHttpOptions) {
    this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
    this.controller =
      options.controller ?? controllerForApi(this.base.toString(), options.apiKey, options.maxConcurrency ?? 8);
    this.retry = resolveRetryOptions(options.retry);
    this.http = axios.create({
      timeout: options.timeoutMs ?? 60_000,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (body: unknown) => body,
      maxRedirects: 0,
    });
  }

  /** The concurrency controller's state: its limit now, calls in flight, 429s and penalty time. */
  get concurrency(): ConcurrencyState {
    return this.controller.state();
  }

  /** The API root without a trailing slash. */
  get baseUrl(): string {
    return this.base.toString().replace(/\/+$/, '');
  }

  /** The URL of a path below the base, or the href itself after checking it points at the same API. */
  resolve(target: string): URL {
    if (/^https?:\/\//i.test(target)) {
      const url = new URL(target);
      // Never send the token to another host, even if an answer says so.
      if (url.origin !== this.base.origin) {
        throw new CampaignApiError(`GET ${url.pathname}`, `href points outside the Campaign API (${url.origin})`);
      }
      return url;
    }
    return new URL(this.baseUrl + (target.startsWith('/') ? target : `/${target}`));
  }

  /** The call's name for errors and logs: method and path below the base, no query string. */
  callName(method: string, url: URL): string {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname;
    return `${method} ${path || '/'}`;
  }

  async request(request: CampaignRequest): Promise<CampaignResponse> {
    const url = this.resolve(request.target);
    // Encoded by hand: URLSearchParams writes a space as `+`, ACS documents `%20` (e.g. `_order=email%20desc`).
    const params = Object.entries(request.query ?? {})
      .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
    if (params.length > 0) url.search = `${url.search === '' ? '?' : `${url.search}&`}${params.join('&')}`;
    const call = this.callName(request.method, url);
    let tokenRenewed = false;
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.options.tokens.getToken();
      // Nothing between the permit and the send: a penalty that starts meanwhile must hold this call too.
      const permit = await this.controller.acquire();
      try {
        const response = await this.send(request, url, call, token);
        permit.done({ kind: 'answered' });
        return response;
      } catch (error) {
        permit.done(this.answerOf(error, attempt));
        if (!(error instanceof CampaignApiError)) throw error;
        if (error.status === 401 && error.code === TOKEN_INVALID_CODE && !tokenRenewed) {
          // The token expired or was revoked early: fetch a new one once, then repeat.
          this.options.tokens.invalidate(token);
          tokenRenewed = true;
          attempt -= 1;
          continue;
        }
        if (error.status === 429 && attempt < this.retry.maxAttempts) {
          // Refused before it ran, whatever the method: the controller holds every call until the wait is over.
          this.options.logger?.warn({ call, attempt, status: 429 }, 'ACS throttled the call (429); waiting as told');
          continue;
        }
        if (!error.retryable || request.retry === 'none' || attempt >= this.retry.maxAttempts) throw error;
        const delay = Math.min(
          Math.max(backoffDelayMs(attempt - 1, this.retry), error.retryAfterMs ?? 0),
          this.retry.maxDelayMs
        );
        this.options.logger?.warn(
          { call, attempt, status: error.status, code: error.code, delayMs: delay },
          'ACS call failed; retrying'
        );
        await sleep(delay);
      }
    }
  }

  /** What a failed call tells the controller: a 429 and how long to hold, no answer at all, or an answer. */
  private answerOf(error: unknown, attempt: number): Answer {
    if (!(error instanceof CampaignApiError) || error.status === undefined) return { kind: 'failed' };
    if (error.status !== 429) return { kind: 'answered' };
    const doubling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return { kind: 'throttled', retryAfterMs: error.retryAfterMs ?? doubling };
  }

  private async send(request: CampaignRequest, url: URL, call: string, token: string): Promise<CampaignResponse> {
    let response: AxiosResponse<string>;
    try {
      response = await this.http.request<string>({
        method: request.method,
        url: url.toString(),
        data: request.body === undefined ? undefined : JSON.stringify(request.body),
        headers: {
          Authorization: `Bearer ${token}`,
          'X-Api-Key': this.options.apiKey,
          'Cache-Control': 'no-cache',
          Accept: 'application/json',
          ...(request.body === undefined ? {} : { 'Content-Type': 'application/json;charset=utf-8' }),
        },
      });
    } catch (error) {
      const reason = (error as { code?: string }).code ?? (error as Error).message;
      throw new CampaignApiError(call, `network fault (${reason})`, undefined, undefined, true);
    }
    const text = typeof response.data === 'string' ? response.data : '';
    const contentType = String(response.headers['content-type'] ?? '');
    const json = parseJson(text);
    const result: CampaignResponse = { status: response.status, json, text, contentType };
    if (response.status >= 200 && response.status < 300) {
      if ((request.expectJson ?? true) && text.trim() !== '' && json === undefined) {
        throw new CampaignApiError(
          call,
          `answer is not JSON (${describeBody(text, contentType)})`,
          response.status,
          undefined,
          true
        );
      }
      return result;
    }
    if (request.acceptStatuses?.includes(response.status)) return result;
    throw errorFromAnswer(
      call,
      response.status,
      json,
      text,
      contentType,
      retryAfterMs(response.headers['retry-after'])
    );
  }
}

function errorFromAnswer(
  call: string,
  status: number,
  json: unknown,
  text: string,
  contentType: string,
  retryAfter: number | undefined
): CampaignApiError {
  const body = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : undefined;
  const code = firstString(body, ['error_code', 'errorCode', 'code']);
  const message =
    firstString(body, ['message', 'title', 'detail', 'error_description']) ?? describeBody(text, contentType);
  // A 5xx that carries an ACS error code (RST-…, XTK-…) is a refused request, not an outage: repeating it cannot help.
  const deterministic = code !== undefined && /^(RST|XTK|SOP|SCM)-/.test(code);
  const retryable = (status >= 500 && !deterministic) || status === 429 || status === 408;
  return new CampaignApiError(call, message, status, code, retryable, retryAfter);
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds. */
function retryAfterMs(header: unknown): number | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function firstString(body: Record<string, unknown> | undefined, names: string[]): string | undefined {
  for (const name of names) {
    const value = body?.[name];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && name !== 'code') return String(value);
  }
  return undefined;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeBody(text: string, contentType: string): string {
  if (text.trim() === '') return 'empty body';
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 120);
  return `${contentType || 'no content-type'}, ${text.length} bytes: "${snippet}"`;
}
