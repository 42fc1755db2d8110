import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type WorkerResources } from '../resources';
import { type PublishRejectsReportInput, type PublishRejectsReportResult } from './contracts';
import { RejectsReport } from './rejects-report';

/**
 * Copies a pass's rejects report to the Campaign SFTP (`reports.sftpFolder`), where marketing operations can read it
 * without access to the worker's disk. Idempotent: a retry overwrites the same file atomically.
 */
export function publishRejectsReportActivity(resources: WorkerResources) {
  return async function publishRejectsReport(input: PublishRejectsReportInput): Promise<PublishRejectsReportResult> {
    const folder = resources.config.reports.sftpFolder;
    if (folder === undefined) return {};
    const report = new RejectsReport(resources.config.reports.folder, input.mapping, input.reportId);
    const exists = await stat(report.file).then(
      (info) => info.size > 0,
      () => false
    );
    if (!exists) return {};
    const remotePath = `${folder.replace(/\/+$/, '')}/ingress_${input.mapping}_${input.reportId}.csv`;
    await resources.sftp().upload(remotePath, createReadStream(report.file));
    return { remotePath };
  };
}
