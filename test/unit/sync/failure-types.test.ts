import { CONFIG_ERROR, DELTA_TOKEN_EXPIRED, isConfigErrorType } from '../../../src/sync/failure-types';

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
