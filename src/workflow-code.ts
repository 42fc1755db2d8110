import { existsSync } from 'node:fs';
import path from 'node:path';
import { type DataConverter } from '@temporalio/common';
import { type WorkerOptions } from '@temporalio/worker';

/** Where `npm run build` writes the workflow bundle, next to the compiled worker. */
export const WORKFLOW_BUNDLE_FILE = path.join(__dirname, 'workflows.bundle.js');

/**
 * The workflow code for `Worker.create`: the bundle made at build time when there is one (the worker starts faster and
 * does not hold webpack's memory), else the workflow sources, bundled at start (tests that run from `src/`). A data
 * converter with its own payload or failure converter (payload encryption) must be bundled with the workflows, so it
 * also bundles at start.
 */
export function workflowCode(
  dataConverter?: Pick<DataConverter, 'payloadConverterPath' | 'failureConverterPath'>
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const needsOwnBundle = dataConverter?.payloadConverterPath ?? dataConverter?.failureConverterPath;
  return !needsOwnBundle && existsSync(WORKFLOW_BUNDLE_FILE)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_FILE } }
    : { workflowsPath: require.resolve('./workflows') };
}
