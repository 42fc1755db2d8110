import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

const { describeWorker } = proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3 },
});

/**
 * Proves end to end that a worker polls the task queue and can run activities: the sandbox runs it after start,
 * and operators can run it from the Temporal UI. Returns configuration facts only (no data, no secrets).
 */
export async function workerCheckWorkflow(): Promise<activities.WorkerDescription> {
  return await describeWorker();
}
