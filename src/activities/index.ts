import { describeWorkerActivity } from './describe-worker';
import { type WorkerResources } from './resources';

export type { WorkerDescription } from './describe-worker';
export { createWorkerResources, type WorkerResources } from './resources';

/** What activities need from the worker process: its configuration and connections. */
export interface ActivityDependencies {
  resources: WorkerResources;
}

/** Builds every activity the worker registers (dependency injection, as in Temporal's samples). */
export function createActivities(deps: ActivityDependencies) {
  return {
    describeWorker: describeWorkerActivity(deps.resources.config),
  };
}
