import { Context } from '@temporalio/activity';
import { describeWorkerActivity } from './describe-worker';
import { createEgressActivities } from './egress';
import { loadFlowSettingsActivity } from './flow-settings';
import { createOptOutActivities } from './optout';
import { createIngressActivities, createPlanCache } from './ingress';
import { publishRejectsReportActivity } from './ingress/publish-rejects';
import { linkedTransfersPending, type LinkedTransfersPendingInput } from './ingress/linked-transfers';
import { loadIngressSettingsActivity } from './ingress/settings';
import { createIngressFileActivities } from './ingress/write-chunk-activities';
import { type WorkerResources } from './resources';
import { createVerifyActivities } from './verify';

export type { WorkerDescription } from './describe-worker';
export { createWorkerResources, type WorkerResources } from './resources';

/** What activities need from the worker process: its configuration and connections. */
export interface ActivityDependencies {
  resources: WorkerResources;
}

/** Builds every activity the worker registers (dependency injection, as in Temporal's samples). */
export function createActivities(deps: ActivityDependencies) {
  const plans = createPlanCache(deps.resources);
  return {
    describeWorker: describeWorkerActivity(deps.resources.config),
    loadIngressSettings: loadIngressSettingsActivity(deps.resources.config),
    linkedTransfersPending: (input: LinkedTransfersPendingInput) =>
      linkedTransfersPending(Context.current().client, deps.resources.config, input),
    loadFlowSettings: loadFlowSettingsActivity(deps.resources.config),
    publishRejectsReport: publishRejectsReportActivity(deps.resources),
    ...createIngressActivities(deps.resources, plans),
    ...createIngressFileActivities(deps.resources, plans),
    ...createEgressActivities(deps.resources),
    ...createOptOutActivities(deps.resources, plans),
    ...createVerifyActivities(deps.resources, plans),
  };
}
