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
 * After an answer that was not throttled: grow by about one request per round trip (1 / limit per answer), up to
 * `ceiling`: the parallelism the service recommends (Dataverse's `x-ms-dop-hint`, which is what its execution-time
 * limit allows running all the time) within the cap, or the cap when it recommends none. Past the recommendation
 * the budget of the sliding window is spent faster than it frees up: the 429 would only come later, after a whole
 * window, with a `Retry-After` as long as that.
 */
export function limitAfterSuccess(limit: number, ceiling: number): number {
  return Math.min(ceiling, limit + 1 / Math.max(limit, 1));
}

/**
 * After a 429: shrink once per penalty. A request sent before the controller last shrank was already in flight when
 * it reacted, so its 429 says nothing new.
 */
export function limitAfterThrottle(limit: number, sentBeforeLastDecrease: boolean): number {
  if (sentBeforeLastDecrease) return limit;
  return Math.max(1, limit * DECREASE_FACTOR);
}

/**
 * Requests the controller may have out at once for a (fractional) `limit`: once sends are paced ({@link spacingMs},
 * which keeps the average at the limit), twice the limit within the cap, the room above it being for requests
 * shorter than the mean (so that a limit counts requests' worth of server time, not requests); before the first
 * answer, when there is no pace yet, the limit itself.
 */
export function slots(limit: number, cap: number, paced: boolean): number {
  return Math.max(1, Math.min(cap, paced ? Math.ceil(2 * limit) : Math.floor(limit)));
}

/**
 * The least time between two sends: the mean request duration over the limit, so that on average `limit` requests'
 * worth of server time is in flight and the sends are spread over the round trip. Sent in bursts, the answers stay
 * in step, and a sliding-window budget (Dataverse's execution time per 300 s) is spent in steps that overshoot it:
 * the penalties that followed cost about a quarter of the budget (egress-ceiling benchmark, 2026-12-05).
 */
export function spacingMs(meanDurationMs: number | undefined, limit: number): number {
  if (meanDurationMs === undefined) return 0;
  return meanDurationMs / Math.max(limit, 1);
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
