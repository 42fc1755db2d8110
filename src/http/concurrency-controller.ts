import {
  addedPenaltyMs,
  holdMs,
  limitAfterSuccess,
  limitAfterThrottle,
  meanDuration,
  pausedUntilAfterThrottle,
  slots,
  spacingMs,
  startingLimit,
} from './concurrency-policy';

/** What a controller shows about itself (for metrics and tests). */
export interface ConcurrencyState {
  /** Requests' worth of server time the controller keeps in flight now (on average; it paces the sends). */
  limit: number;
  /** The most it will ever let out (configured, within the service's hard limit). */
  cap: number;
  inFlight: number;
  /** Requests waiting for a slot or for a penalty to end. */
  waiting: number;
  /** 429 answers received. */
  throttles: number;
  /** Seconds during which nothing was sent because of a `Retry-After` penalty. */
  penaltySeconds: number;
  /** Whether a penalty holds every request right now. */
  inPenalty: boolean;
}

/** What one answer told the controller. */
export type Answer =
  | { kind: 'answered'; hint?: number }
  | { kind: 'throttled'; retryAfterMs: number; hint?: number }
  /** No answer (connection failure): says nothing about the service's limits. */
  | { kind: 'failed' };

interface Grant {
  probe: boolean;
  sentAt: number;
}

/** A slot: the request may be sent now; `done` reports how it went and frees the slot. */
export interface Permit {
  done(answer: Answer): void;
}

export interface ConcurrencyControllerOptions {
  /** The most requests ever in flight at once. */
  cap: number;
  /** The limit before the service recommends one. @default 1 (a probe) */
  initial?: number;
  /** @default Date.now */
  clock?: () => number;
  /** In [0, 1), for the jitter after repeated penalties. @default Math.random */
  random?: () => number;
}

/**
 * Adaptive concurrency for one account of a rate-limited service, shared by every client of that account in the
 * process. It starts from the parallelism the service recommends (never above it, nor above the cap), grows by about
 * one request per round trip, shrinks on a 429 and then holds every request until `Retry-After` has passed (requests
 * in flight finish; none is sent; after penalties in a row, a growing random wait more, see {@link holdMs}, and then
 * one request first). It paces the sends a mean request duration over the limit apart, so that the limit is a rate
 * of server time, not a count: short requests go out more often, and the answers do not fall into step. Waiters are
 * served in arrival order.
 */
export class ConcurrencyController {
  private cap: number;
  private limit: number;
  /** The parallelism the service recommended first (`x-ms-dop-hint`), within the cap; 1 until it says. */
  private recommended = 1;
  private hinted = false;
  private active = 0;
  /** Waiters; each is told when it was let out, and whether it goes as the probe after a penalty. */
  private readonly queue: ((grant: Grant) => void)[] = [];
  private pausedUntil = 0;
  /** How many 429s the controller reacted to: a permit remembers the count it was granted under. */
  private reactions = 0;
  /** Penalties in a row without a success between. */
  private streak = 0;
  /**
   * After penalties in a row, one request goes first: a burst into a penalty another worker extended would extend it
   * more.
   */
  private probing = false;
  private probeOut = false;
  private meanMs: number | undefined;
  /** When the pace lets the next request go. */
  private nextSendAt = -Infinity;
  private throttles = 0;
  private penaltyMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: () => number;
  private readonly random: () => number;

  constructor(options: ConcurrencyControllerOptions) {
    if (!Number.isInteger(options.cap) || options.cap < 1)
      throw new RangeError(`the concurrency cap must be a positive integer, got ${options.cap}`);
    this.cap = options.cap;
    this.limit = Math.min(options.cap, options.initial ?? 1);
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Lowers the cap (clients sharing the controller with different settings get the smallest). */
  restrictCap(cap: number): void {
    if (!Number.isInteger(cap) || cap < 1)
      throw new RangeError(`the concurrency cap must be a positive integer, got ${cap}`);
    this.cap = Math.min(this.cap, cap);
    this.limit = Math.min(this.limit, this.cap);
    this.recommended = Math.min(this.recommended, this.cap);
  }

  /** Waits for a slot outside any penalty. Send at once after it resolves (no await in between). */
  async acquire(): Promise<Permit> {
    const { probe, sentAt } = await new Promise<Grant>((resolve) => {
      this.queue.push(resolve);
      this.pump();
    });
    const reactionsAtSend = this.reactions;
    let finished = false;
    return {
      done: (answer) => {
        if (finished) return;
        finished = true;
        this.active -= 1;
        if (probe) this.probeOut = false;
        this.learn(answer, sentAt, reactionsAtSend);
        this.pump();
      },
    };
  }

  state(): ConcurrencyState {
    const now = this.clock();
    return {
      limit: this.limit,
      cap: this.cap,
      inFlight: this.active,
      waiting: this.queue.length,
      throttles: this.throttles,
      penaltySeconds: (this.penaltyMs - Math.max(0, this.pausedUntil - now)) / 1000,
      inPenalty: this.pausedUntil > now,
    };
  }

  private learn(answer: Answer, sentAt: number, reactionsAtSend: number): void {
    const now = this.clock();
    if (answer.kind !== 'failed' && answer.hint !== undefined && !this.hinted) {
      this.hinted = true;
      this.recommended = startingLimit(this.cap, answer.hint);
      if (this.throttles === 0) this.limit = Math.max(this.limit, this.recommended);
    }
    if (answer.kind === 'throttled') {
      this.throttles += 1;
      // A request sent before the last reaction was already out: its 429 is the same penalty, already acted on.
      const known = reactionsAtSend < this.reactions;
      this.limit = limitAfterThrottle(this.limit, known);
      if (!known) {
        this.reactions += 1;
        this.streak += 1;
      }
      const hold = holdMs(answer.retryAfterMs, known ? 1 : this.streak, this.random());
      const until = pausedUntilAfterThrottle(this.pausedUntil, now, hold);
      // Met again right after a penalty: someone else (another worker) may be extending it, so one request goes first.
      // Not after a first penalty: a probe holds the other slots for a whole request, 10 s for a large `$batch`.
      if (!known && this.streak >= 2) this.probing = true;
      this.penaltyMs += addedPenaltyMs(this.pausedUntil, until, now);
      this.pausedUntil = until;
    } else if (answer.kind === 'answered') {
      this.meanMs = meanDuration(this.meanMs, now - sentAt);
      // Sent before the last penalty began: says nothing about the pace since.
      if (reactionsAtSend === this.reactions) {
        this.streak = 0;
        this.probing = false;
        this.limit = limitAfterSuccess(this.limit, this.hinted ? this.recommended : this.cap);
      }
    }
  }

  /**
   * Lets waiters out while slots are free, no penalty holds and the pace allows; when a penalty or the pace makes
   * them wait, wakes itself then.
   */
  private pump(): void {
    if (this.timer) return;
    while (
      this.queue.length > 0 &&
      this.active < slots(this.limit, this.cap, this.meanMs !== undefined) &&
      !this.probeOut
    ) {
      const now = this.clock();
      const wait = Math.max(this.pausedUntil, this.nextSendAt) - now;
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.active += 1;
      // On a schedule, not from the last send: a timer that fires late lets two go, so the pace holds.
      const spacing = spacingMs(this.meanMs, this.limit);
      this.nextSendAt = Math.max(this.nextSendAt, now - spacing) + spacing;
      if (this.probing) this.probeOut = true;
      (this.queue.shift() as (grant: Grant) => void)({ probe: this.probing, sentAt: now });
    }
  }
}
