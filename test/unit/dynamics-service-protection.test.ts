import { WebApiError } from '../../src/sandbox/dynamics/errors';
import { ServiceProtection } from '../../src/sandbox/dynamics/throttle';

function refusal(run: () => unknown): WebApiError {
  try {
    run();
  } catch (err) {
    if (err instanceof WebApiError) return err;
    throw err;
  }
  throw new Error('expected a 429');
}

describe('simulator service protection', () => {
  let now = 0;
  const clock = (): number => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('refuses past the request limit until the window frees up, and extends the penalty while hammered', () => {
    const protection = new ServiceProtection({ requests: 3, windowSeconds: 10 }, clock);
    for (let i = 0; i < 3; i++) {
      protection.admit('app')();
      now += 1000;
    }
    const first = refusal(() => protection.admit('app'));
    expect(first.status).toBe(429);
    expect(first.code).toBe('0x80072322');
    expect(first.message).toBe('Number of requests exceeded the limit of 3 over time window of 10 seconds.');
    expect(first.headers['Retry-After']).toBe('7');
    const hammered = refusal(() => protection.admit('app'));
    expect(hammered.headers['Retry-After']).toBe('8');
    now += 9000;
    expect(() => protection.admit('app')()).not.toThrow();
  });

  it('extends a penalty by penaltyExtensionMs per request sent during it (a time-scaled run divides it too)', () => {
    const protection = new ServiceProtection({ requests: 1, windowSeconds: 10, penaltyExtensionMs: 2_500 }, clock);
    protection.admit('app')();
    now += 1000;
    expect(refusal(() => protection.admit('app')).headers['Retry-After']).toBe('9');
    // Two more during the penalty: 9 s + 2 × 2.5 s.
    refusal(() => protection.admit('app'));
    expect(refusal(() => protection.admit('app')).headers['Retry-After']).toBe('14');
  });

  it('refuses concurrency beyond the limit at once, and admits again when a request ends', () => {
    const protection = new ServiceProtection({ concurrent: 2 }, clock);
    const done = protection.admit('app');
    protection.admit('app');
    const refused = refusal(() => protection.admit('app'));
    expect(refused.code).toBe('0x80072326');
    expect(refused.message).toBe('Number of concurrent requests exceeded the limit of 2.');
    done();
    expect(() => protection.admit('app')).not.toThrow();
  });

  it('refuses once the combined execution time is used up', () => {
    const protection = new ServiceProtection({ executionTimeMs: 1000, windowSeconds: 60 }, clock);
    const done = protection.admit('app');
    now += 1500;
    done();
    const refused = refusal(() => protection.admit('app'));
    expect(refused.code).toBe('0x80072321');
    expect(refused.message).toContain(
      'Combined execution time of incoming requests exceeded limit of 1,000  milliseconds'
    );
    expect(protection.remaining('app')['x-ms-ratelimit-time-remaining-xrm-requests']).toBe('0');
  });

  it('keeps users apart', () => {
    const protection = new ServiceProtection({ requests: 1 }, clock);
    protection.admit('a')();
    expect(() => protection.admit('a')).toThrow(WebApiError);
    expect(() => protection.admit('b')()).not.toThrow();
  });
});
