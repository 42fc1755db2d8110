import { type Config } from '../config/schema';
import { type Secrets } from '../config/secrets';
import { describeWorkerActivity } from './describe-worker';

export type { WorkerDescription } from './describe-worker';

/** What activities need from the worker process: the validated configuration and the secrets it read. */
export interface ActivityDependencies {
  config: Config;
  secrets: Secrets;
}

/** Builds every activity the worker registers (dependency injection, as in Temporal's samples). */
export function createActivities(deps: ActivityDependencies) {
  return {
    describeWorker: describeWorkerActivity(deps.config),
  };
}
