import { ConcurrencyController, type Permit } from '../../src/http/concurrency-controller';

/** Lets pending promise callbacks run (grants resolve in microtasks). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyController', () => {
  it('probes with one request, then paces the recommended parallelism: sends a mean duration over the limit apart', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      let now = 0;
      const controller = new ConcurrencyController({ cap: 6, clock: () => now });
      const permits: Permit[] = [];
      const take = (): void => void controller.acquire().then((p) => permits.push(p));
      for (let i = 0; i < 10; i++) take();
      await settle();
      expect(permits).toHaveLength(1);
      now = 1_000;
      permits[0]?.done({ kind: 'answered', hint: 4 });
      await settle();
      // A 1 s request at a limit of 4: one request every 250 ms, so that 4 are in flight on average. The schedule
      // starts one step back (a timer that fires late lets two go), so two go at once.
      expect(permits).toHaveLength(3);
      expect(controller.state()).toMatchObject({ limit: 4, inFlight: 2, waiting: 7 });
      now = 1_249;
      jest.advanceTimersByTime(249);
      await settle();
      expect(permits).toHaveLength(3);
      now = 1_250;
      jest.advanceTimersByTime(1);
      await settle();
      expect(permits).toHaveLength(4);
      // A timer that fires 300 ms late (a busy event loop) lets out what the pace allowed meanwhile.
      now = 1_800;
      jest.advanceTimersByTime(550);
      await settle();
      expect(permits).toHaveLength(6);
      // Answers grow the limit, but never past the recommended parallelism (a later hint changes nothing).
      for (let i = 1; i < 6; i++) permits[i]?.done({ kind: 'answered', hint: 50 });
      expect(controller.state().limit).toBe(4);
    } finally {
      jest.useRealTimers();
    }
  });

  it('without a recommendation, grows by about one request per round trip up to the cap', async () => {
    const controller = new ConcurrencyController({ cap: 3, clock: () => 0 });
    const limits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const permit = await controller.acquire();
      permit.done({ kind: 'answered' });
      limits.push(controller.state().limit);
    }
    expect(limits).toEqual([2, 2.5, 2.9, 3, 3, 3]);
  });

  it('holds every request during a penalty, lets the ones in flight finish, and resumes after it', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      let now = 1_000;
      // Answers that take no time: no pacing, the slots alone decide (twice the limit, within the cap).
      const controller = new ConcurrencyController({ cap: 4, initial: 4, clock: () => now });
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
      // Shrunk once for the penalty (4 × 0.75 = 3), not once per 429; the cap of 4 slots, one still taken by a
      // request sent before the penalty.
      expect(permits).toHaveLength(7);
      expect(controller.state()).toMatchObject({ inPenalty: false, inFlight: 4, limit: 3, penaltySeconds: 2 });
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
      expect(permits).toHaveLength(8);
      permits[0]?.done({ kind: 'throttled', retryAfterMs: 1_000 });
      // The rest, sent before the penalty, answer during it: they neither end the penalty nor grow the limit.
      for (let i = 1; i < 8; i++) permits[i]?.done({ kind: 'answered' });
      now = 1_000;
      jest.advanceTimersByTime(1_000);
      await settle();
      // After a first penalty, what the limit (8 × 0.75 = 6) allows goes out at once.
      expect(permits).toHaveLength(10);
      expect(controller.state().limit).toBe(6);
      // A request sent after it meets the penalty again (another worker extended it): 1 s as told plus 0.5 × 250 ms.
      permits[8]?.done({ kind: 'throttled', retryAfterMs: 1_000 });
      permits[9]?.done({ kind: 'answered' });
      expect(controller.state()).toMatchObject({ limit: 4.5, throttles: 2 });
      for (let i = 0; i < 3; i++) take();
      now = 2_124;
      jest.advanceTimersByTime(1_124);
      await settle();
      expect(permits).toHaveLength(10);
      now = 2_125;
      jest.advanceTimersByTime(1);
      await settle();
      // One request probes; the others wait for its answer.
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
