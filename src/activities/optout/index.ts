import { ApplicationFailure, asyncLocalStorage } from '@temporalio/activity';
import { type ResourceClient } from '../../connectors/campaign';
import { createPlanCache, type PlanCache } from '../ingress';
import { findContactMapping, profileKey } from '../ingress/resolve';
import { publishReport, type PublishedReport } from '../publish-report';
import { type WorkerResources } from '../resources';
import { applyOptOutFile } from './apply-file';
import { OptOutAudit } from './audit-report';
import {
  type ApplyOptOutFileInput,
  type ApplyOptOutFileResult,
  type ListOptOutFilesInput,
  type ListOptOutFilesResult,
  type PreflightOptOutInput,
  type PreflightOptOutResult,
  type RevisitOptOutContactsInput,
  type RevisitOptOutContactsResult,
  type PublishOptOutAuditInput,
  type SettleOptOutFileInput,
  type SettleOptOutFileResult,
  type SyncOptOutD365PageInput,
  type SyncOptOutD365PageResult,
} from './contracts';
import { checkFileName, OPT_OUT_FILE_NAME } from './optout-files';
import { fileTrouble, listExportFiles, settleExportFile } from '../export-files';
import { preflightOptOut } from './preflight';
import { readFileChunk } from './read-file-chunk';
import { revisitOptOutContacts } from './revisit';
import { optOutSettings } from './settings';
import { CONFIG_ERROR } from '../../sync/failure-types';
import { syncOptOutD365Page } from './sync-d365-page';
import { contactScope, type ContactScope, NO_CONTACT_MAPPING } from './contact-scope';

export * from './contracts';
export { LINES_PER_CHUNK } from './apply-file';

/**
 * A pass calls `syncOptOutD365Page` in modes `d365-to-campaign` and `bidirectional`, and the file activities in modes
 * `campaign-to-d365` and `bidirectional`; each decision follows the configured mode, so calling the other side's
 * activities in a one-way mode would write that mode's master value back, not the other side's.
 */
export interface OptOutActivities {
  preflightOptOut(input: PreflightOptOutInput): Promise<PreflightOptOutResult>;
  /** One change-tracking page of contacts, reconciled with their profiles (D365 → Campaign and bidirectional). */
  syncOptOutD365Page(input: SyncOptOutD365PageInput): Promise<SyncOptOutD365PageResult>;
  /** Contacts an earlier pass found without a profile, reconciled if their profile exists by now. */
  revisitOptOutContacts(input: RevisitOptOutContactsInput): Promise<RevisitOptOutContactsResult>;
  /** Every complete opt-out file in the source folder, by name (all unprocessed: applied ones are moved away). */
  listOptOutFiles(input: ListOptOutFilesInput): Promise<ListOptOutFilesResult>;
  /** One chunk of an opt-out file, reconciled with D365 (Campaign → D365 and bidirectional). */
  applyOptOutFile(input: ApplyOptOutFileInput): Promise<ApplyOptOutFileResult>;
  /** Moves a done file to `processed/` (unless it changed since), or an unreadable one to `rejected/`; idempotent. */
  settleOptOutFile(input: SettleOptOutFileInput): Promise<SettleOptOutFileResult>;
  /** Copies a pass's audit to `reports.sftpFolder` as `optout_<reportId>.csv`, when that is set. */
  publishOptOutAudit(input: PublishOptOutAuditInput): Promise<PublishedReport>;
}

/**
 * The opt-out activities. Outside an activity (tests) they run as plain functions: no heartbeat, no cancellation.
 * Settings are read per call, so an absent `optOut` block fails the call (non-retryable), not the worker.
 */
export function createOptOutActivities(
  resources: WorkerResources,
  plans: PlanCache = createPlanCache(resources)
): OptOutActivities {
  const logger = resources.logger.child({ component: 'optout' });
  const profiles = (): ResourceClient =>
    resources.campaign().resource({ api: 'profileAndServicesExt', name: 'profile', key: profileKey(resources.config) });
  const contacts = async (): Promise<ContactScope> => {
    const mapping = findContactMapping(resources.config);
    if (!mapping) return NO_CONTACT_MAPPING;
    try {
      return contactScope(mapping.name, (await plans.get(mapping.name)).plan.filter);
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      throw ApplicationFailure.nonRetryable(
        `the opt-out flow reads the filter of ingress mapping ${mapping.name}, which cannot be resolved: ${failure}`,
        CONFIG_ERROR
      );
    }
  };
  return {
    preflightOptOut: () => preflightOptOut(resources.config, resources.dynamics()),
    async syncOptOutD365Page(input) {
      const activity = asyncLocalStorage.getStore();
      return syncOptOutD365Page(
        {
          settings: optOutSettings(resources.config),
          dynamics: resources.dynamics(),
          profiles: profiles(),
          contacts: await contacts(),
          pageSize: resources.config.dynamics.pageSize,
          concurrency: resources.config.campaign.maxConcurrentRequests,
          logger,
          ...(activity
            ? { progress: (progress) => activity.heartbeat(progress), signal: activity.cancellationSignal }
            : {}),
        },
        input
      );
    },
    async revisitOptOutContacts(input) {
      const activity = asyncLocalStorage.getStore();
      return revisitOptOutContacts(
        {
          settings: optOutSettings(resources.config),
          dynamics: resources.dynamics(),
          profiles: profiles(),
          contacts: await contacts(),
          concurrency: resources.config.campaign.maxConcurrentRequests,
          logger,
          ...(activity
            ? { heartbeat: (idsDone) => activity.heartbeat({ idsDone }), signal: activity.cancellationSignal }
            : {}),
        },
        input
      );
    },
    async listOptOutFiles(input) {
      const { sourceFolder } = optOutSettings(resources.config);
      const isName = (name: string): boolean => OPT_OUT_FILE_NAME.test(name);
      return listExportFiles(resources.sftp(), sourceFolder, isName, input.inProgress);
    },
    async applyOptOutFile(input) {
      const activity = asyncLocalStorage.getStore();
      const sftp = resources.sftp();
      return applyOptOutFile(
        {
          settings: optOutSettings(resources.config),
          dynamics: resources.dynamics(),
          profiles: profiles(),
          readChunk: (path, start, maxLines, modifiedAt) =>
            readFileChunk((at) => sftp.openReadStream(path, { start: at }), path, start, maxLines, modifiedAt),
          check: (file, version) => fileTrouble(sftp, optOutSettings(resources.config).sourceFolder, file, version),
          concurrency: resources.config.campaign.maxConcurrentRequests,
          logger,
          ...(activity
            ? { progress: (progress) => activity.heartbeat(progress), signal: activity.cancellationSignal }
            : {}),
        },
        input
      );
    },
    async settleOptOutFile(input) {
      checkFileName(input.file);
      const folder = optOutSettings(resources.config).sourceFolder;
      return settleExportFile(resources.sftp(), folder, input.file, input.as, input.version);
    },
    publishOptOutAudit: (input) =>
      publishReport(
        resources,
        new OptOutAudit(resources.config.reports.folder, input.reportId).file,
        `optout_${input.reportId}.csv`
      ),
  };
}
