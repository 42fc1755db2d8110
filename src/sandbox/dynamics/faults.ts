import { WebApiError } from './errors';
import { type SimResponse } from './http-types';

/** Fault settings applied to every Web API request (the token endpoint is spared, see docs). */
export interface FaultOptions {
  /** Delay added before each answer, in milliseconds. @default 0 */
  latencyMs?: number;
  /** Share of requests answered 503 (0–1). @default 0 */
  errorRate?: number;
  /** Share of requests whose connection is reset without an answer (0–1). @default 0 */
  resetRate?: number;
  /** Seed of the random draws, so a run is reproducible. @default 1 */
  seed?: number;
}

/** What to do with one request. */
export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'error'; status: number }
  | { kind: 'reset' }
  | { kind: 'malformed'; form: MalformedForm };

/** Ways to break an answer: an HTML error page, a JSON collection without `value`, or a cut-off JSON body. */
export type MalformedForm = 'non-json' | 'missing-value' | 'truncated';

interface Queued {
  remaining: number;
  decision: FaultDecision;
}

/** Deterministic fault injection: random rates plus queues of "the next N requests get X". */
export class Faults {
  latencyMs: number;
  errorRate: number;
  resetRate: number;
  private state: number;
  private readonly queue: Queued[] = [];

  constructor(options: FaultOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.errorRate = options.errorRate ?? 0;
    this.resetRate = options.resetRate ?? 0;
    this.state = options.seed ?? 1;
  }

  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext(count: number, retryAfterSeconds = 1): void {
    this.queue.push({ remaining: count, decision: { kind: 'throttle', retryAfterSeconds } });
  }

  /** The next `count` requests get a server error. */
  failNext(count: number, status = 503): void {
    this.queue.push({ remaining: count, decision: { kind: 'error', status } });
  }

  /** The next `count` requests have their connection reset. */
  resetNext(count: number): void {
    this.queue.push({ remaining: count, decision: { kind: 'reset' } });
  }

  /** The next `count` successful answers are broken in the given way. */
  malformNext(count: number, form: MalformedForm): void {
    this.queue.push({ remaining: count, decision: { kind: 'malformed', form } });
  }

  /** Clears rates and queues. */
  reset(): void {
    this.latencyMs = 0;
    this.errorRate = 0;
    this.resetRate = 0;
    this.queue.length = 0;
  }

  /** Decides the fate of one request, consuming queued faults first. */
  next(): FaultDecision {
    const head = this.queue[0];
    if (head) {
      head.remaining--;
      if (head.remaining <= 0) this.queue.shift();
      return head.decision;
    }
    if (this.resetRate > 0 && this.random() < this.resetRate) return { kind: 'reset' };
    if (this.errorRate > 0 && this.random() < this.errorRate) return { kind: 'error', status: 503 };
    return { kind: 'none' };
  }

  /** mulberry32: small, fast, seedable. */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** The error a throttle or server-error fault answers with (undefined for other decisions). */
export function faultResponse(decision: FaultDecision): WebApiError | undefined {
  if (decision.kind === 'throttle') {
    return new WebApiError(
      429,
      '0x80072322',
      'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
      {
        'Retry-After': String(decision.retryAfterSeconds),
      }
    );
  }
  if (decision.kind === 'error') return new WebApiError(decision.status, '0x80040216', 'An unexpected error occurred.');
  return undefined;
}

/** Breaks a successful answer the way a proxy error page or a cut connection would. */
export function malformed(response: SimResponse, form: MalformedForm): SimResponse {
  if (form === 'non-json') {
    return {
      status: 200,
      headers: { 'Content-Type': 'text/html' },
      body: '<html><body><h1>Service Unavailable</h1></body></html>',
    };
  }
  if (form === 'truncated') return { ...response, body: response.body.slice(0, Math.floor(response.body.length / 2)) };
  return { ...response, body: JSON.stringify({ '@odata.context': 'truncated#contacts' }) };
}
