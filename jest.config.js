/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // One real Temporal dev server for the whole run (test/harness/temporal-global-setup.ts).
  globalSetup: '<rootDir>/test/harness/temporal-global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/temporal-global-teardown.ts',
  testTimeout: 60_000,
  // Two cores: run suites two at a time so servers started by tests do not starve each other.
  maxWorkers: 2,
};
