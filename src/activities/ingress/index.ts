import { asyncLocalStorage } from '@temporalio/activity';
import { type WorkerResources } from '../resources';
import {
  type CountCampaignRecordsInput,
  type CountCampaignRecordsResult,
  type CountSourceRowsInput,
  type CountSourceRowsResult,
  type PreflightIngressInput,
  type PreflightIngressResult,
  type RevisitWaitingRowsInput,
  type RevisitWaitingRowsResult,
  type SyncIngressPageInput,
  type SyncIngressPageResult,
} from './contracts';
import { countSourceRows } from './count-rows';
import { PlanCache } from './plan-cache';
import { preflightIngress } from './preflight';
import { ProfileLinks, type ProfileLinkSources } from './profile-links';
import { ResourceLinks } from './resource-links';
import {
  reconcileIngressDeletes,
  type ReconcileIngressDeletesInput,
  type ReconcileIngressDeletesResult,
} from './reconcile-deletes';
import {
  redriveIngressRejects,
  type RedriveIngressRejectsInput,
  type RedriveIngressRejectsResult,
  redriveKeys,
} from './redrive';
import { findContactMapping, type IngressDependencies, profileKey } from './resolve';
import { type PageProgress, syncIngressPage } from './sync-page';

export { type PlanCache } from './plan-cache';
export type { CampaignMetadataReader } from './metadata';
export type { ReconcileIngressDeletesInput, ReconcileIngressDeletesResult } from './reconcile-deletes';
export type { RedriveIngressRejectsInput, RedriveIngressRejectsResult } from './redrive';

export interface IngressActivities {
  preflightIngress(input: PreflightIngressInput): Promise<PreflightIngressResult>;
  countSourceRows(input: CountSourceRowsInput): Promise<CountSourceRowsResult>;
  syncIngressPage(input: SyncIngressPageInput): Promise<SyncIngressPageResult>;
  /** After a full re-read that followed an expired delta link: deletes what D365 no longer has, a page per call. */
  reconcileIngressDeletes(input: ReconcileIngressDeletesInput): Promise<ReconcileIngressDeletesResult>;
  /** Records in the mapping's Campaign resource: checks that a file import loaded what it was given. */
  countCampaignRecords(input: CountCampaignRecordsInput): Promise<CountCampaignRecordsResult>;
  /** After a fix: applies the current D365 rows of a rejects report's keys again (`acs-d365 rejects --redrive`). */
  redriveIngressRejects(input: RedriveIngressRejectsInput): Promise<RedriveIngressRejectsResult>;
  /** Rows waiting for a linked record, looked at again (first thing in each pass). */
  revisitWaitingRows(input: RevisitWaitingRowsInput): Promise<RevisitWaitingRowsResult>;
}

/**
 * The API-path ingress activities. Plans are cached per call of this function, i.e. per worker process. Outside an
 * activity (tests) they run as plain functions: no heartbeat, no cancellation.
 */
export function createIngressActivities(
  resources: WorkerResources,
  cache: PlanCache = createPlanCache(resources)
): IngressActivities {
  const deps = planDependencies(resources);
  const linkSources = profileLinkSources(resources, cache);
  const logger = resources.logger.child({ component: 'ingress' });
  /** What writing a mapping's rows to Campaign needs, for pages and re-drives alike. */
  const writeContext = async (mapping: string) => ({
    resolved: await cache.get(mapping),
    dynamics: resources.dynamics(),
    concurrency: resources.config.campaign.maxConcurrentRequests,
    reportsFolder: resources.config.reports.folder,
    profileLinks: () => new ProfileLinks(linkSources),
    resourceLinks: () => new ResourceLinks({ parentMapping: (name: string) => cache.get(name) }),
  });
  return {
    preflightIngress: (input) => preflightIngress(deps, cache, input),
    async countSourceRows(input) {
      const { table } = await cache.get(input.mapping);
      return countSourceRows(resources.dynamics(), table);
    },
    async countCampaignRecords(input) {
      return { records: await (await cache.get(input.mapping)).target.count() };
    },
    async reconcileIngressDeletes(input) {
      return reconcileIngressDeletes(await cache.get(input.mapping), resources.dynamics(), input);
    },
    async redriveIngressRejects(input) {
      const activity = asyncLocalStorage.getStore();
      return redriveIngressRejects(
        {
          ...(await writeContext(input.mapping)),
          ...(activity ? { heartbeat: (keysDone: number) => activity.heartbeat({ keysDone }) } : {}),
        },
        input
      );
    },
    async revisitWaitingRows(input) {
      const activity = asyncLocalStorage.getStore();
      const waiting = { keys: [] as string[], room: input.waitingRoom };
      const counts = await redriveKeys(
        {
          ...(await writeContext(input.mapping)),
          ...(activity ? { heartbeat: (keysDone: number) => activity.heartbeat({ keysDone }) } : {}),
        },
        input.keys,
        { mode: 'incremental', reportId: input.reportId, waiting }
      );
      return { counts, waiting: waiting.keys };
    },
    async syncIngressPage(input) {
      const activity = asyncLocalStorage.getStore();
      return syncIngressPage(
        {
          ...(await writeContext(input.mapping)),
          pageSize: resources.config.dynamics.pageSize,
          logger,
          ...(activity
            ? {
                progress: (progress: PageProgress) => activity.heartbeat(progress),
                signal: activity.cancellationSignal,
              }
            : {}),
        },
        input
      );
    },
  };
}

/** Where links to profile are resolved from: the contact mapping (to write a missing parent) or the profiles. */
export function profileLinkSources(resources: WorkerResources, cache: PlanCache): ProfileLinkSources {
  return {
    parentMapping: async () => {
      const parent = findContactMapping(resources.config);
      return parent ? cache.get(parent.name) : undefined;
    },
    profiles: () =>
      resources
        .campaign()
        .resource({ api: 'profileAndServicesExt', name: 'profile', key: profileKey(resources.config) }),
    dynamics: () => resources.dynamics(),
  };
}

/** The mappings resolved against both systems' metadata, once per worker process; shared by all ingress activities. */
export function createPlanCache(resources: WorkerResources): PlanCache {
  return new PlanCache(planDependencies(resources));
}

function planDependencies(resources: WorkerResources): IngressDependencies {
  return {
    config: resources.config,
    dynamics: () => resources.dynamics(),
    campaign: () => resources.campaign(),
    campaignMetadata: (api, resource) => resources.campaign().resourceMetadata(api, resource),
  };
}
