import { existsSync } from 'node:fs';
import path from 'node:path';
import { type WorkerOptions } from '@temporalio/worker';

/** Where `npm run build` writes the workflow bundle, next to the compiled worker. */
export const WORKFLOW_BUNDLE_FILE = path.join(__dirname, 'workflows.bundle.js');

/**
 * The workflow code for `Worker.create`: the bundle made at build time when there is one (the worker starts faster and
 * does not hold webpack's memory), else the workflow sources, bundled at start (tests that run from `src/`).
 */
export function workflowCode(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  return existsSync(WORKFLOW_BUNDLE_FILE)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_FILE } }
    : { workflowsPath: require.resolve('./workflows') };
}
