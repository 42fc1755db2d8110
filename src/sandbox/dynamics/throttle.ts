import { WebApiError } from './errors';

/** Service protection limits, per user, over a sliding window (Dataverse defaults). */
export interface ServiceProtectionLimits {
  /** Requests per window. @default 6000 */
  requests?: number;
  /** Combined execution time per window, in milliseconds. @default 1200000 */
  executionTimeMs?: number;
  /** Requests in flight at once. @default 52 */
  concurrent?: number;
  /** Window length in seconds. @default 300 */
  windowSeconds?: number;
  /**
   * How much each request sent during a penalty extends it, in milliseconds (Dataverse extends the wait of a client
   * that keeps sending; by how much is not documented). @default 1000
   */
  penaltyExtensionMs?: number;
}

interface UserWindow {
  /** Start times of requests in the window (oldest first). */
  starts: number[];
  /** End time and duration of finished requests in the window. */
  executions: { end: number; durationMs: number }[];
  executionTotalMs: number;
  inFlight: number;
  /** While set, every request is refused; hammering during the penalty extends it. */
  penaltyUntil: number;
}

const MAX_RETRY_AFTER_SECONDS = 300;

/** Sliding-window request, execution-time and concurrency limits, answering 429 with `Retry-After` and Dataverse's bodies. */
export class ServiceProtection {
  private readonly users = new Map<string, UserWindow>();
  private readonly requests: number;
  private readonly executionTimeMs: number;
  private readonly concurrent: number;
  private readonly windowMs: number;
  private readonly penaltyExtensionMs: number;

  constructor(
    limits: ServiceProtectionLimits,
    private readonly clock: () => number
  ) {
    this.requests = limits.requests ?? 6000;
    this.executionTimeMs = limits.executionTimeMs ?? 1_200_000;
    this.concurrent = limits.concurrent ?? 52;
    this.windowMs = (limits.windowSeconds ?? 300) * 1000;
    this.penaltyExtensionMs = limits.penaltyExtensionMs ?? 1000;
  }

  private window(user: string): UserWindow {
    let w = this.users.get(user);
    if (!w) {
      w = { starts: [], executions: [], executionTotalMs: 0, inFlight: 0, penaltyUntil: 0 };
      this.users.set(user, w);
    }
    const cutoff = this.clock() - this.windowMs;
    while ((w.starts[0] ?? Infinity) <= cutoff) w.starts.shift();
    while ((w.executions[0]?.end ?? Infinity) <= cutoff)
      w.executionTotalMs -= (w.executions.shift() as { durationMs: number }).durationMs;
    return w;
  }

  /**
   * Admits a request or throws the 429. On admission returns the function to call when the request finishes.
   * Concurrency breaches are immediate; request-count and execution-time breaches start a penalty.
   */
  admit(user: string): () => void {
    const now = this.clock();
    const w = this.window(user);
    if (w.penaltyUntil > now) {
      w.penaltyUntil = Math.min(w.penaltyUntil + this.penaltyExtensionMs, now + MAX_RETRY_AFTER_SECONDS * 1000);
      throw this.tooMany(
        w.penaltyUntil - now,
        '0x80072322',
        `Number of requests exceeded the limit of ${this.requests} over time window of ${this.windowMs / 1000} seconds.`
      );
    }
    if (w.inFlight >= this.concurrent) {
      throw this.tooMany(1000, '0x80072326', `Number of concurrent requests exceeded the limit of ${this.concurrent}.`);
    }
    if (w.starts.length >= this.requests) {
      w.penaltyUntil = (w.starts[0] as number) + this.windowMs;
      throw this.tooMany(
        w.penaltyUntil - now,
        '0x80072322',
        `Number of requests exceeded the limit of ${this.requests} over time window of ${this.windowMs / 1000} seconds.`
      );
    }
    if (w.executionTotalMs >= this.executionTimeMs) {
      w.penaltyUntil = (w.executions[0]?.end ?? now) + this.windowMs;
      throw this.tooMany(
        w.penaltyUntil - now,
        '0x80072321',
        `Combined execution time of incoming requests exceeded limit of ${this.executionTimeMs.toLocaleString('en-US')}  milliseconds over time window of ${this.windowMs / 1000} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`
      );
    }
    w.starts.push(now);
    w.inFlight++;
    return () => {
      const end = this.clock();
      w.inFlight--;
      w.executions.push({ end, durationMs: end - now });
      w.executionTotalMs += end - now;
    };
  }

  /** Diagnostic headers Dataverse adds (not meant for flow control). */
  remaining(user: string): Record<string, string> {
    const w = this.window(user);
    return {
      'x-ms-ratelimit-burst-remaining-xrm-requests': String(Math.max(this.requests - w.starts.length, 0)),
      'x-ms-ratelimit-time-remaining-xrm-requests': String(Math.max(this.executionTimeMs - w.executionTotalMs, 0)),
    };
  }

  private tooMany(waitMs: number, code: string, message: string): WebApiError {
    const seconds = Math.min(Math.max(Math.ceil(waitMs / 1000), 1), MAX_RETRY_AFTER_SECONDS);
    return new WebApiError(429, code, message, { 'Retry-After': String(seconds) });
  }
}
