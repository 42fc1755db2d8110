import { ConcurrencyController, type Permit } from '../../src/http/concurrency-controller';

/** Lets pending promise callbacks run (grants resolve in microtasks). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyController', () => {
  it('probes with one request, then starts from the recommended parallelism within the cap', async () => {
    const controller = new ConcurrencyController({ cap: 6 });
    const permits: Permit[] = [];
    const take = (): void => void controller.acquire().then((p) => permits.push(p));
    for (let i = 0; i < 10; i++) take();
    await settle();
    expect(permits).toHaveLength(1);
    permits[0]?.done({ kind: 'answered', hint: 4 });
    await settle();
    expect(controller.state()).toMatchObject({ inFlight: 4, limit: 4, waiting: 5 });
    // The hint is followed only once: later answers grow the limit by AIMD, up to the cap.
    for (let i = 1; i < 30; i++) {
      permits[i]?.done({ kind: 'answered', hint: 50 });
      await settle();
    }
    expect(controller.state().limit).toBeLessThanOrEqual(6);
  });

  it('holds every request during a penalty, lets the ones in flight finish, and resumes after it', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      let now = 1_000;
      const controller = new ConcurrencyController({ cap: 8, initial: 4, clock: () => now });
      const permits: Permit[] = [];
      const take = (): void => void controller.acquire().then((p) => permits.push(p));
      for (let i = 0; i < 8; i++) take();
      await settle();
      expect(permits).toHaveLength(4);
      permits[0]?.done({ kind: 'throttled', retryAfterMs: 2_000 });
      // Three still in flight answer during the penalty: their slots do not let anyone out.
      permits[1]?.done({ kind: 'answered' });
      permits[2]?.done({ kind: 'throttled', retryAfterMs: 2_000 });
      await settle();
      expect(permits).toHaveLength(4);
      expect(controller.state()).toMatchObject({ inPenalty: true, inFlight: 1, throttles: 2, limit: 3 });
      now += 1_999;
      jest.advanceTimersByTime(1_999);
      await settle();
      expect(permits).toHaveLength(4);
      now += 1;
      jest.advanceTimersByTime(1);
      await settle();
      // Shrunk once for the penalty (4 × 0.75 = 3), not once per 429: 3 slots, one still taken by a request sent
      // before the penalty.
      expect(permits).toHaveLength(6);
      expect(controller.state()).toMatchObject({ inPenalty: false, inFlight: 3, limit: 3, penaltySeconds: 2 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('after a second penalty in a row, holds longer with a random wait, then lets one request probe first', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      let now = 0;
      const controller = new ConcurrencyController({ cap: 8, initial: 8, clock: () => now, random: () => 0.5 });
      const permits: Permit[] = [];
      const take = (): void => void controller.acquire().then((p) => permits.push(p));
      for (let i = 0; i < 10; i++) take();
      await settle();
      permits[0]?.done({ kind: 'throttled', retryAfterMs: 1_000 });
      // The rest, sent before the penalty, answer during it: they neither end the penalty nor grow the limit.
      for (let i = 1; i < 8; i++) permits[i]?.done({ kind: 'answered' });
      now = 1_000;
      jest.advanceTimersByTime(1_000);
      await settle();
      // After a first penalty, the limit (8 × 0.75 = 6) goes out at once.
      expect(permits).toHaveLength(10);
      // A request sent after it meets the penalty again (another worker extended it): 1 s as told plus 0.5 × 250 ms.
      permits[8]?.done({ kind: 'throttled', retryAfterMs: 1_000 });
      permits[9]?.done({ kind: 'answered' });
      expect(controller.state()).toMatchObject({ limit: 4, throttles: 2 });
      for (let i = 0; i < 3; i++) take();
      now = 2_124;
      jest.advanceTimersByTime(1_124);
      await settle();
      expect(permits).toHaveLength(10);
      now = 2_125;
      jest.advanceTimersByTime(1);
      await settle();
      expect(permits).toHaveLength(11);
      expect(controller.state().penaltySeconds).toBe(2.125);
      permits[10]?.done({ kind: 'answered' });
      await settle();
      expect(permits).toHaveLength(13);
    } finally {
      jest.useRealTimers();
    }
  });

  it('extends a held penalty when a later 429 says to wait longer, and counts the time once', async () => {
    let now = 0;
    const controller = new ConcurrencyController({ cap: 4, initial: 2, clock: () => now });
    const a = await controller.acquire();
    const b = await controller.acquire();
    a.done({ kind: 'throttled', retryAfterMs: 1_000 });
    now = 500;
    b.done({ kind: 'throttled', retryAfterMs: 1_000 });
    now = 1_500;
    expect(controller.state()).toMatchObject({ penaltySeconds: 1.5, inPenalty: false, throttles: 2 });
  });

  it('never lets out more than the cap, and a connection failure frees its slot without changing the limit', async () => {
    const controller = new ConcurrencyController({ cap: 2, initial: 2 });
    const permits: Permit[] = [];
    for (let i = 0; i < 5; i++) void controller.acquire().then((p) => permits.push(p));
    await settle();
    expect(controller.state()).toMatchObject({ inFlight: 2, waiting: 3, limit: 2 });
    permits[0]?.done({ kind: 'failed' });
    permits[0]?.done({ kind: 'failed' }); // a second report of the same permit is ignored
    await settle();
    expect(controller.state()).toMatchObject({ inFlight: 2, waiting: 2, limit: 2 });
  });

  it.each([0, -1, 1.5])('refuses a cap of %p', (cap) => {
    expect(() => new ConcurrencyController({ cap })).toThrow(RangeError);
  });
});
