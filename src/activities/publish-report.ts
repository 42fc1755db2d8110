import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type WorkerResources } from './resources';

/** Where a report was published; absent when there was nothing to publish or no SFTP folder is set. */
export interface PublishedReport {
  remotePath?: string;
}

/**
 * Copies a report of the worker's disk (`reports.folder`) to the Campaign SFTP (`reports.sftpFolder`) as `remoteName`,
 * where marketing operations can read it without access to the worker. Every flow's reports go through here: ingress
 * and egress rejects, opt-out audits. Nothing happens without `reports.sftpFolder` or when the report is empty or
 * absent. Idempotent: a retry overwrites the same file atomically.
 */
export async function publishReport(
  resources: WorkerResources,
  localFile: string,
  remoteName: string
): Promise<PublishedReport> {
  const folder = resources.config.reports.sftpFolder;
  if (folder === undefined) return {};
  const exists = await stat(localFile).then(
    (info) => info.size > 0,
    () => false
  );
  if (!exists) return {};
  const remotePath = `${folder.replace(/\/+$/, '')}/${remoteName}`;
  await resources.sftp().upload(remotePath, createReadStream(localFile));
  return { remotePath };
}
