import { asyncLocalStorage } from '@temporalio/activity';
import { PROFILE_EXTERNAL_ID_KEY, type ResourceClient } from '../../connectors/campaign';
import { type VerifyScopeResult, type VerifyTiming } from '../../sync/verify';
import { egressSettings } from '../egress/settings';
import { type PlanCache, profileLinkSources } from '../ingress';
import { ProfileLinks } from '../ingress/profile-links';
import { ResourceLinks } from '../ingress/resource-links';
import { optOutSettings } from '../optout/settings';
import { type WorkerResources } from '../resources';
import { repairIngressDrift, repairOptOutDrift, type RepairResult } from './repair';
import { type VerifyProgress } from './scope-result';
import { verifyEgressEvents } from './verify-egress';
import { verifyIngressMapping } from './verify-ingress';
import { verifyOptOutPairs } from './verify-optout';
import { type VerifySettings, verifySettings } from './settings';

export type { RepairResult } from './repair';
export type { VerifySettings } from './settings';
export { KEYS_PER_CATEGORY } from './scope-result';

export interface VerifyScopeCall {
  verifyId: string;
  timing: VerifyTiming;
}

export interface VerifyActivities {
  /** One ingress mapping: D365 rows against Campaign records (see `verifyIngressMapping`). */
  verifyIngress(
    input: VerifyScopeCall & { mapping: string; unappliedSince?: string; waitingKeys?: string[] }
  ): Promise<VerifyScopeResult>;
  verifyOptOut(input: VerifyScopeCall): Promise<VerifyScopeResult>;
  verifyEgress(input: VerifyScopeCall): Promise<VerifyScopeResult>;
  /** Re-drives the drifted keys of a verify's report for one mapping. */
  repairIngress(input: { verifyId: string; mapping: string }): Promise<RepairResult>;
  repairOptOut(input: { verifyId: string }): Promise<RepairResult>;
  /** The verify manager's interval, quiet period and scopes, from the worker's configuration. */
  loadVerifySettings(input: Record<string, never>): Promise<VerifySettings>;
}

/**
 * The verify activities: each reads one scope from both systems and returns counts and capped keys (the full list
 * goes to `<reports.folder>/verify/<verifyId>/`). Outside an activity (the CLI in-process) they run as plain
 * functions: no heartbeat, no cancellation.
 */
export function createVerifyActivities(resources: WorkerResources, cache: PlanCache): VerifyActivities {
  const { config } = resources;
  const profiles = (): ResourceClient =>
    resources.campaign().resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
  const activityContext = () => {
    const activity = asyncLocalStorage.getStore();
    return activity
      ? {
          progress: (progress: VerifyProgress) => activity.heartbeat(progress),
          signal: activity.cancellationSignal,
        }
      : {};
  };
  const shared = () => ({
    dynamics: resources.dynamics(),
    pageSize: config.dynamics.pageSize,
    concurrency: config.campaign.maxConcurrentRequests,
    ...activityContext(),
  });
  return {
    loadVerifySettings: () => Promise.resolve(verifySettings(config)),
    async verifyIngress(input) {
      const context = {
        ...shared(),
        resolved: await cache.get(input.mapping),
        reportsFolder: config.reports.folder,
        linkedMapping: (name: string) => cache.get(name),
      };
      return verifyIngressMapping(context, input);
    },
    verifyOptOut: (input) =>
      verifyOptOutPairs(
        { ...shared(), settings: optOutSettings(config), profiles: profiles() },
        { ...input, reportsFolder: config.reports.folder }
      ),
    verifyEgress: (input) =>
      verifyEgressEvents(
        {
          ...activityContext(),
          sftp: resources.sftp(),
          dynamics: resources.dynamics(),
          sourceFolder: egressSettings(config).sourceFolder,
          reportsFolder: config.reports.folder,
        },
        input
      ),
    async repairIngress(input) {
      const activity = asyncLocalStorage.getStore();
      const context = {
        resolved: await cache.get(input.mapping),
        dynamics: resources.dynamics(),
        concurrency: config.campaign.maxConcurrentRequests,
        reportsFolder: config.reports.folder,
        profileLinks: () => new ProfileLinks(profileLinkSources(resources, cache)),
        resourceLinks: () => new ResourceLinks({ parentMapping: (name: string) => cache.get(name) }),
        ...(activity ? { heartbeat: (keysDone: number) => activity.heartbeat({ keysDone }) } : {}),
      };
      return repairIngressDrift(context, input);
    },
    repairOptOut: (input) =>
      repairOptOutDrift(
        {
          settings: optOutSettings(config),
          contactMappings: config.ingress
            .filter((mapping) => mapping.from === 'contact' && mapping.to === 'profile')
            .map((mapping) => mapping.name),
          dynamics: resources.dynamics(),
          profiles: profiles(),
          concurrency: config.campaign.maxConcurrentRequests,
        },
        input
      ),
  };
}
