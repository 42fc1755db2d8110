import {
  addedPenaltyMs,
  budgetLow,
  DECREASE_FACTOR,
  limitAfterSuccess,
  limitAfterThrottle,
  meanDuration,
  pausedUntilAfterThrottle,
  slots,
  startingLimit,
} from '../../src/http/concurrency-policy';

describe('concurrency policy (AIMD)', () => {
  it.each([
    // cap, hint, expected
    [52, undefined, 1],
    [52, 4, 4],
    [52, 0, 1],
    [52, Number.NaN, 1],
    [8, 16, 8],
    [52, 60, 52],
    [3, 2.7, 2],
  ])('starts at cap %p with hint %p from %p', (cap, hint, expected) => {
    expect(startingLimit(cap, hint)).toBe(expected);
  });

  it.each([
    // limit, cap, budget low, expected
    [1, 52, false, 2],
    [4, 52, false, 4.25],
    [10, 52, false, 10.1],
    [52, 52, false, 52],
    [51.99, 52, false, 52],
    [4, 52, true, 4],
    [9, 8, true, 8],
  ])('after an answer at %p (cap %p, budget low %p) the limit is %p', (limit, cap, low, expected) => {
    expect(limitAfterSuccess(limit, cap, low)).toBeCloseTo(expected, 10);
  });

  it.each([
    // limit, sent before the last shrink, expected
    [8, false, 8 * DECREASE_FACTOR],
    [8, true, 8],
    [1, false, 1],
    [1.2, false, 1],
    [52, false, 52 * DECREASE_FACTOR],
    [52, true, 52],
  ])('after a 429 at %p (sent before the last shrink: %p) the limit is %p', (limit, before, expected) => {
    expect(limitAfterThrottle(limit, before)).toBeCloseTo(expected, 10);
  });

  it.each([
    [0.5, 1],
    [1, 1],
    [3.99, 3],
    [52, 52],
  ])('a limit of %p lets out %p requests', (limit, expected) => {
    expect(slots(limit)).toBe(expected);
  });

  it.each([
    // budget, limit, mean duration, low?
    [{}, 4, 100, false],
    [{ requestsRemaining: 100 }, 4, 100, false],
    [{ requestsRemaining: 5 }, 4, 100, false],
    [{ requestsRemaining: 4 }, 4, 100, true],
    [{ timeRemainingMs: 500 }, 4, 100, false],
    [{ timeRemainingMs: 499 }, 4, 100, true],
    [{ timeRemainingMs: 0, requestsRemaining: 6000 }, 1, 10, true],
    [{ timeRemainingMs: 1_200_000, requestsRemaining: 6000 }, 52, 10_000, false],
  ])('budget %j at limit %p and %p ms per request: low = %p', (budget, limit, mean, expected) => {
    expect(budgetLow(budget, limit, mean)).toBe(expected);
  });

  it.each([
    [undefined, 100, 100],
    [100, 200, 120],
    [100, 100, 100],
    [100, 0, 80],
  ])('the mean duration %p after a request of %p ms is %p', (mean, duration, expected) => {
    expect(meanDuration(mean, duration)).toBeCloseTo(expected, 10);
  });

  it.each([
    // paused until, now, retry after, expected
    [0, 1000, 2000, 3000],
    [5000, 1000, 2000, 5000],
    [2500, 1000, 2000, 3000],
    [0, 1000, -5, 1000],
  ])('paused until %p, a 429 at %p with Retry-After %p ms pauses until %p', (until, now, retry, expected) => {
    expect(pausedUntilAfterThrottle(until, now, retry)).toBe(expected);
  });

  it.each([
    // previous until, next until, now, added
    [0, 3000, 1000, 2000],
    [2000, 3000, 1000, 1000],
    [3000, 3000, 1000, 0],
    [500, 3000, 1000, 2000],
  ])('a pause until %p extended to %p at %p adds %p ms of penalty', (previous, next, now, expected) => {
    expect(addedPenaltyMs(previous, next, now)).toBe(expected);
  });
});
