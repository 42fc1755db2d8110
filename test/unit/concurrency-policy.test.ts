import {
  addedPenaltyMs,
  DECREASE_FACTOR,
  holdMs,
  MAX_PENALTY_JITTER_MS,
  limitAfterSuccess,
  limitAfterThrottle,
  meanDuration,
  pausedUntilAfterThrottle,
  slots,
  spacingMs,
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
    // limit, ceiling (the recommendation within the cap), expected
    [1, 52, 2],
    [4, 52, 4.25],
    [10, 52, 10.1],
    [52, 52, 52],
    [51.99, 52, 52],
    [3, 4, 3 + 1 / 3],
    [3.9, 4, 4],
    [4, 4, 4],
    [9, 8, 8],
  ])('after an answer at %p (ceiling %p) the limit is %p', (limit, ceiling, expected) => {
    expect(limitAfterSuccess(limit, ceiling)).toBeCloseTo(expected, 10);
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
    // limit, cap, paced, slots
    [0.5, 52, true, 1],
    [1, 52, true, 2],
    [1.2, 52, true, 3],
    [4, 52, true, 8],
    [3.75, 52, true, 8],
    [4, 6, true, 6],
    [52, 52, true, 52],
    [1, 1, true, 1],
    [1, 52, false, 1],
    [3.75, 52, false, 3],
    [0.5, 52, false, 1],
    [60, 52, false, 52],
  ])(
    'a limit of %p with a cap of %p (paced: %p) lets out at most %p requests at once',
    (limit, cap, paced, expected) => {
      expect(slots(limit, cap, paced)).toBe(expected);
    }
  );

  it.each([
    // mean duration, limit, spacing
    [undefined, 4, 0],
    [1000, 4, 250],
    [1000, 3.75, 1000 / 3.75],
    [100, 0.5, 100],
    [0, 4, 0],
  ])('a mean duration of %p ms at a limit of %p spaces the sends %p ms apart', (mean, limit, expected) => {
    expect(spacingMs(mean, limit)).toBeCloseTo(expected, 10);
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

  it.each([
    // Retry-After, streak, random, hold
    [2000, 1, 0.99, 2000],
    [2000, 0, 0.5, 2000],
    [2000, 2, 0, 2000],
    [2000, 2, 0.5, 2125],
    [2000, 3, 0.5, 2250],
    [2000, 4, 0.25, 2250],
    [2000, 30, 0.5, 2000 + MAX_PENALTY_JITTER_MS / 2],
    [-10, 1, 0.5, 0],
  ])('Retry-After %p ms, penalty %p in a row, random %p: held %p ms', (retryAfter, streak, random, expected) => {
    expect(holdMs(retryAfter, streak, random)).toBe(expected);
  });
});
