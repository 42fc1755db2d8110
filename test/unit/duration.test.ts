import { durationToMs, isDuration } from '../../src/config/duration';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
  ])('%s is %d ms', (text, ms) => {
    expect(isDuration(text)).toBe(true);
    expect(durationToMs(text)).toBe(ms);
  });

  it.each(['', '5', 'm5', '5 m', '0s', '-1m', '1.5h', '5min', '1w'])('refuses %p', (text) => {
    expect(isDuration(text)).toBe(false);
    expect(() => durationToMs(text)).toThrow('is not a duration like 30s, 5m, 1h or 1d');
  });
});
