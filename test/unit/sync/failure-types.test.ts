import {
  CONFIG_ERROR,
  DELTA_TOKEN_EXPIRED,
  isConfigErrorType,
  isDeltaTokenExpiredType,
} from '../../../src/sync/failure-types';

describe('isConfigErrorType', () => {
  it.each([
    [CONFIG_ERROR, true],
    // Names recorded histories may carry from before the four config errors became one.
    ['IngressConfigError', true],
    ['OptOutConfigError', true],
    ['EgressConfigError', true],
    [DELTA_TOKEN_EXPIRED, false],
    ['ConfigError', false],
    ['', false],
    [undefined, false],
    [null, false],
  ])('%p is a config error: %p', (type, expected) => {
    expect(isConfigErrorType(type)).toBe(expected);
  });
});

describe('isDeltaTokenExpiredType', () => {
  it.each([
    [DELTA_TOKEN_EXPIRED, true],
    // The opt-out flow's own name before 0.2.0, which recorded histories may carry.
    ['OptOutDeltaTokenExpired', true],
    [CONFIG_ERROR, false],
    ['', false],
    [undefined, false],
    [null, false],
  ])('%p says the delta link expired: %p', (type, expected) => {
    expect(isDeltaTokenExpiredType(type)).toBe(expected);
  });
});
