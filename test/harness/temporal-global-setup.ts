import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalCli } from '../../src/sandbox/temporal-cli';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';

declare global {
  var __temporalTestEnv: TestWorkflowEnvironment | undefined;
}

/**
 * Starts one real Temporal dev server (the official CLI binary, never a mock) on a free loopback port for the whole
 * jest run and hands its address to the test files through TEMPORAL_TEST_ADDRESS.
 */
export default async function startTemporalForTests(): Promise<void> {
  const path = resolveTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
      log: { format: 'pretty', level: 'error' },
    },
  });
  globalThis.__temporalTestEnv = env;
  process.env.TEMPORAL_TEST_ADDRESS = env.address;
  process.env.TEMPORAL_TEST_NAMESPACE = env.namespace ?? 'default';
}
