import { importPollDelayMs } from '../../../src/sync/import-polling';

describe('importPollDelayMs', () => {
  it.each([
    [0, 5_000],
    [1, 10_000],
    [2, 15_000],
    [3, 15_000],
    [50, 15_000],
    [5_000, 15_000],
  ])('waits %i polls in: %i ms', (poll, delay) => {
    expect(importPollDelayMs(poll)).toBe(delay);
  });
});
