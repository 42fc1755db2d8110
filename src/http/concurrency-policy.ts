/**
 * The arithmetic of the adaptive concurrency controller (AIMD: additive increase, multiplicative decrease), kept
 * free of time and I/O so it can be tested with tables of cases. The controller in `concurrency-controller.ts`
 * applies it to the answers it sees.
 */

/** A throttled answer shrinks the limit to this share (gentler than halving: a penalty already stops everything). */
export const DECREASE_FACTOR = 0.75;

/** Weight of the newest duration in the running mean of request durations. */
const DURATION_WEIGHT = 0.2;

/** The limit a controller starts from: the service's recommended parallelism when known, within the cap. */
export function startingLimit(cap: number, hint: number | undefined): number {
  if (hint === undefined || !Number.isFinite(hint) || hint < 1) return Math.min(cap, 1);
  return Math.min(cap, Math.floor(hint));
}

/**
 * After an answer that was not throttled: grow by about one request per round trip (1 / limit per answer), but never
 * past what the budget the service reports left allows (`budget`, from {@link budgetCeiling}): more requests would
 * only bring the next 429 sooner, and every one in flight when it comes arrives during the penalty and extends it.
 */
export function limitAfterSuccess(limit: number, cap: number, budget = Infinity): number {
  return Math.min(cap, limit + 1 / Math.max(limit, 1), Math.max(1, budget));
}

/**
 * After a 429: shrink once per penalty. A request sent before the controller last shrank was already in flight when
 * it reacted, so its 429 says nothing new.
 */
export function limitAfterThrottle(limit: number, sentBeforeLastDecrease: boolean): number {
  if (sentBeforeLastDecrease) return limit;
  return Math.max(1, limit * DECREASE_FACTOR);
}

/** Requests the controller lets out at once for a (fractional) limit. */
export function slots(limit: number): number {
  return Math.max(1, Math.floor(limit));
}

/** What the service said about its remaining budget (Dataverse's `x-ms-ratelimit-*-remaining-*` headers). */
export interface BudgetSignal {
  /** Requests left in the window. */
  requestsRemaining?: number;
  /** Server execution time left in the window, in ms. */
  timeRemainingMs?: number;
}

/**
 * The requests the budget left would pay for: the requests left in the window, and the server time left divided by
 * a request's (the mean observed duration stands for it: the client cannot tell server time from the network's
 * share); never below `recommended`, the parallelism the service recommends. The budget left in a sliding window says
 * nothing of what frees up while a request runs: at the service's sustainable pace (which the recommendation is) the
 * window stays full and the budget left near zero, so below it only a 429 may slow the controller down. Infinity
 * when the service says nothing.
 */
export function budgetCeiling(budget: BudgetSignal, meanDurationMs: number, recommended = 1): number {
  const byRequests = budget.requestsRemaining ?? Infinity;
  const byTime = budget.timeRemainingMs === undefined ? Infinity : budget.timeRemainingMs / Math.max(meanDurationMs, 1);
  return Math.max(recommended, Math.min(byRequests, byTime));
}

/** The running mean of request durations, the newest weighted by {@link DURATION_WEIGHT}. */
export function meanDuration(mean: number | undefined, durationMs: number): number {
  return mean === undefined ? durationMs : mean + DURATION_WEIGHT * (durationMs - mean);
}

/** The longest random wait added to a `Retry-After` after repeated penalties. */
export const MAX_PENALTY_JITTER_MS = 4_000;

/**
 * How long to hold after a 429 whose `Retry-After` is `retryAfterMs`, the `streak`-th penalty in a row without a
 * success between. The first is held exactly as told. Later ones add a random wait of up to 250 ms, doubling each
 * time up to {@link MAX_PENALTY_JITTER_MS}: several
 * workers of one application user each learn of a penalty only from their own 429, and every request the service
 * receives during a penalty extends it, so workers that all resume when told would re-arm it for each other forever.
 * `random` is in [0, 1).
 */
export function holdMs(retryAfterMs: number, streak: number, random: number): number {
  const wait = Math.max(retryAfterMs, 0);
  if (streak <= 1) return wait;
  return wait + random * Math.min(MAX_PENALTY_JITTER_MS, 250 * 2 ** (streak - 2));
}

/**
 * The moment the controller may send again after a 429 received at `now` with `retryAfterMs`, given the pause it
 * already holds: penalties never shorten.
 */
export function pausedUntilAfterThrottle(pausedUntil: number, now: number, retryAfterMs: number): number {
  return Math.max(pausedUntil, now + Math.max(retryAfterMs, 0));
}

/** Milliseconds of pause a new `pausedUntil` adds to the time spent in penalty (overlapping pauses count once). */
export function addedPenaltyMs(previousUntil: number, nextUntil: number, now: number): number {
  return Math.max(0, nextUntil - Math.max(previousUntil, now));
}
