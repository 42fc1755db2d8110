import { activityInfo } from '@temporalio/activity';
import { type Config } from '../config/schema';
import { version } from '../version';

/** What a worker runs: its version and the flows its configuration enables (names and modes only). */
export interface WorkerDescription {
  version: string;
  taskQueue: string;
  ingressMappings: string[];
  egress: boolean;
  optOutMode: string;
}

export function describeWorkerActivity(config: Config): () => Promise<WorkerDescription> {
  return function describeWorker(): Promise<WorkerDescription> {
    return Promise.resolve({
      version,
      taskQueue: activityInfo().taskQueue,
      ingressMappings: config.ingress.map((mapping) => mapping.name),
      egress: config.egress !== undefined,
      optOutMode: config.optOut?.mode ?? 'disabled',
    });
  };
}
