import { asyncLocalStorage } from '@temporalio/activity';
import { type WorkerResources } from '../resources';
import { applyEventFile, type FileProgress } from './apply-file';
import { isEventFileName } from '../../sync/egress';
import { listExportFiles, settleExportFile } from '../export-files';
import {
  type ApplyEventFileInput,
  type ApplyEventFileResult,
  type ListEventFilesInput,
  type ListEventFilesResult,
  type PreflightEgressInput,
  type PreflightEgressResult,
  type PublishEgressRejectsInput,
  type SettleEventFileInput,
  type SettleEventFileResult,
} from './contracts';
import { preflightEgress } from './preflight';
import { EgressRejectsReport } from './rejects-report';
import { publishReport, type PublishedReport } from '../publish-report';
import { redriveEgressRejects, type RedriveEgressRejectsInput, type RedriveEgressRejectsResult } from './redrive';
import { egressSettings } from './settings';

export { RECORDS_PER_CALL } from './apply-file';
export { PROCESSED_FOLDER, REJECTED_FOLDER } from '../export-files';
export { SYSTEMIC_TRIES } from './systemic';
export * from './contracts';
export type { RedriveEgressRejectsInput, RedriveEgressRejectsResult } from './redrive';

export interface EgressActivities {
  /** Checks the configuration against D365's metadata; every problem with its configuration path. */
  preflightEgress(input: PreflightEgressInput): Promise<PreflightEgressResult>;
  /** Every complete event file in the source folder, by name (all unprocessed: applied ones are moved away). */
  listEventFiles(input: ListEventFilesInput): Promise<ListEventFilesResult>;
  /** Applies up to {@link RECORDS_PER_CALL} records of one file from a line; `nextLine` absent when the file is done. */
  applyEventFile(input: ApplyEventFileInput): Promise<ApplyEventFileResult>;
  /** Moves an applied file to `processed/` (unless it changed since), or an unreadable one to `rejected/`; idempotent. */
  settleEventFile(input: SettleEventFileInput): Promise<SettleEventFileResult>;
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
    listEventFiles: (input) =>
      listExportFiles(
        resources.sftp(),
        egressSettings(resources.config).sourceFolder,
        isEventFileName,
        input.inProgress
      ),
    async settleEventFile(input) {
      if (!isEventFileName(input.file)) throw new TypeError(`${input.file} is not an event file name`);
      const folder = egressSettings(resources.config).sourceFolder;
      return settleExportFile(resources.sftp(), folder, input.file, input.as, input.version);
    },
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
