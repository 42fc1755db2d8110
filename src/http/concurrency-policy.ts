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
 * After an answer that was not throttled: grow by about one request per round trip (1 / limit per answer), unless
 * the service says its budget is nearly spent, where more requests would only bring the next 429 sooner.
 */
export function limitAfterSuccess(limit: number, cap: number, budgetLow: boolean): number {
  if (budgetLow) return Math.min(limit, cap);
  return Math.min(cap, limit + 1 / Math.max(limit, 1));
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
 * Whether the budget left would not cover one more round of the requests allowed now: fewer requests left than the
 * limit, or less server time left than the limit's requests take (the mean observed duration stands for a request's
 * server time, which the client cannot see apart from the network's share).
 */
export function budgetLow(budget: BudgetSignal, limit: number, meanDurationMs: number): boolean {
  const round = slots(limit) + 1;
  if (budget.requestsRemaining !== undefined && budget.requestsRemaining < round) return true;
  return budget.timeRemainingMs !== undefined && budget.timeRemainingMs < round * meanDurationMs;
}

/** The running mean of request durations, the newest weighted by {@link DURATION_WEIGHT}. */
export function meanDuration(mean: number | undefined, durationMs: number): number {
  return mean === undefined ? durationMs : mean + DURATION_WEIGHT * (durationMs - mean);
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
