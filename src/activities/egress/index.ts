import { asyncLocalStorage } from '@temporalio/activity';
import { type WorkerResources } from '../resources';
import { applyEventFile, type FileProgress } from './apply-file';
import { archiveEventFile } from './archive-file';
import {
  type ApplyEventFileInput,
  type ApplyEventFileResult,
  type ArchiveEventFileInput,
  type ListEventFilesInput,
  type ListEventFilesResult,
  type PreflightEgressInput,
  type PreflightEgressResult,
  type PublishEgressRejectsInput,
} from './contracts';
import { listEventFiles } from './list-files';
import { preflightEgress } from './preflight';
import { EgressRejectsReport } from './rejects-report';
import { publishReport, type PublishedReport } from '../publish-report';
import { redriveEgressRejects, type RedriveEgressRejectsInput, type RedriveEgressRejectsResult } from './redrive';
import { egressSettings } from './settings';

export { EGRESS_INVALID_INPUT, EVENT_FILE_INCOMPLETE, RECORDS_PER_CALL } from './apply-file';
export { PROCESSED_FOLDER } from './archive-file';
export { D365_UNAVAILABLE, SYSTEMIC_TRIES } from './systemic';
export { EGRESS_CONFIG_ERROR } from './settings';
export * from './contracts';
export type { RedriveEgressRejectsInput, RedriveEgressRejectsResult } from './redrive';

export interface EgressActivities {
  /** Checks the configuration against D365's metadata; every problem with its configuration path. */
  preflightEgress(input: PreflightEgressInput): Promise<PreflightEgressResult>;
  /** Complete event files after the cursor, in the order to apply them. */
  listEventFiles(input: ListEventFilesInput): Promise<ListEventFilesResult>;
  /** Applies up to {@link RECORDS_PER_CALL} records of one file from a line; `nextLine` absent when the file is done. */
  applyEventFile(input: ApplyEventFileInput): Promise<ApplyEventFileResult>;
  /** Moves an applied file to `processed/`; idempotent. */
  archiveEventFile(input: ArchiveEventFileInput): Promise<void>;
  /** After a fix: applies the events of a rejects report again (`acs-d365 rejects egress --redrive`). */
  redriveEgressRejects(input: RedriveEgressRejectsInput): Promise<RedriveEgressRejectsResult>;
  /** Copies a rejects report to `reports.sftpFolder` as `egress_<reportId>.csv`, when that is set. */
  publishEgressRejects(input: PublishEgressRejectsInput): Promise<PublishedReport>;
}

/**
 * The egress activities: Campaign email event files → D365 activities. Outside an activity (tests) they run as plain
 * functions: no heartbeat, no cancellation.
 */
export function createEgressActivities(resources: WorkerResources): EgressActivities {
  const logger = resources.logger.child({ component: 'egress' });
  const activities: EgressActivities = {
    preflightEgress: () => preflightEgress(resources.config, resources.dynamics()),
    listEventFiles: (input) => listEventFiles(resources.sftp(), egressSettings(resources.config).sourceFolder, input),
    archiveEventFile: (input) =>
      archiveEventFile(resources.sftp(), egressSettings(resources.config).sourceFolder, input),
    applyEventFile(input) {
      const settings = egressSettings(resources.config);
      const activity = asyncLocalStorage.getStore();
      return applyEventFile(
        {
          sftp: resources.sftp(),
          dynamics: resources.dynamics(),
          sourceFolder: settings.sourceFolder,
          selection: { events: settings.events, bounceTypes: settings.bounceTypes },
          write: {
            batchSize: settings.batchSize,
            followUpTasks: settings.followUpTasks,
            ...(settings.ownerId ? { ownerId: settings.ownerId } : {}),
          },
          reportsFolder: resources.config.reports.folder,
          logger,
          ...(activity
            ? {
                progress: (progress: FileProgress) => activity.heartbeat(progress),
                signal: activity.cancellationSignal,
                attempt: activity.info.attempt,
              }
            : {}),
        },
        input
      );
    },
    redriveEgressRejects: (input) =>
      redriveEgressRejects(resources.config.reports.folder, (slice) => activities.applyEventFile(slice), input),
    publishEgressRejects: (input) =>
      publishReport(
        resources,
        new EgressRejectsReport(resources.config.reports.folder, input.reportId).file,
        `egress_${input.reportId}.csv`
      ),
  };
  return activities;
}
