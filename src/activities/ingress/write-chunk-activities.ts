import { asyncLocalStorage } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type IngressMapping } from '../../config/schema';
import { type WorkerResources } from '../resources';
import { collectRejects, importStatus, startImport } from './campaign-import';
import {
  type CampaignImportStatus,
  type CollectImportRejectsInput,
  type CollectImportRejectsResult,
  type StartCampaignImportInput,
  type WriteIngressChunkInput,
  type WriteIngressChunkResult,
} from './contracts';
import { RejectsReport } from './rejects-report';
import { type ChunkMapping } from './resolve';
import { findMapping } from './settings';
import { type ChunkProgress, writeChunk } from './write-chunk';
import { CONFIG_ERROR } from '../../sync/failure-types';

/** Resolves mappings by name, once per process (the PlanCache of ./plan-cache fits). */
export interface IngressPlanSource {
  get(mapping: string): Promise<ChunkMapping>;
}

export interface IngressFileActivityOptions {
  /** Import folder on the SFTP, relative to `campaign.sftp.root`. @default 'imports' */
  importFolder?: string;
  /** Rejects folder of the import workflow, relative to `campaign.sftp.root`. @default 'imports/rejects' */
  rejectsFolder?: string;
  /** Time between two reads of the import workflow's state while starting it. @default 1000 */
  pollIntervalMs?: number;
}

/**
 * The activities of the file path of the initial transfer: write one gzip CSV chunk to the Campaign SFTP, start the
 * Campaign import workflow with the chunk names, read its state, and report the rows it refused.
 */
export function createIngressFileActivities(
  resources: WorkerResources,
  plans: IngressPlanSource,
  options: IngressFileActivityOptions = {}
) {
  const { config } = resources;
  const importFolder = options.importFolder ?? 'imports';
  const rejectsFolder = options.rejectsFolder ?? 'imports/rejects';
  const lastTriggers = new Map<string, number>();
  const logger = resources.logger.child({ component: 'ingress-files' });

  return {
    async writeIngressChunk(input: WriteIngressChunkInput): Promise<WriteIngressChunkResult> {
      const { mapping } = findMapping(config, input.mapping);
      const resolved = await plans.get(mapping.name);
      const context = asyncLocalStorage.getStore();
      return writeChunk(input, {
        dynamics: resources.dynamics(),
        sftp: resources.sftp(),
        source: resolved,
        resource: mapping.to,
        chunkRows: mapping.initialTransfer.chunkRows,
        pageSize: config.dynamics.pageSize,
        importFolder,
        rejects: new RejectsReport(config.reports.folder, mapping.name, input.reportId),
        logger,
        ...(context
          ? {
              heartbeat: (progress: ChunkProgress) => context.heartbeat(progress),
              signal: context.cancellationSignal,
            }
          : {}),
      });
    },

    async startCampaignImport(input: StartCampaignImportInput): Promise<void> {
      const { mapping } = findMapping(config, input.mapping);
      await startImport(input.fileNames, {
        workflows: resources.campaign().workflows,
        workflowId: importWorkflowOf(mapping),
        lastTriggers,
        ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      });
      logger.info({ mapping: mapping.name, files: input.fileNames.length }, 'campaign import signalled');
    },

    async getCampaignImportStatus(input: { mapping: string }): Promise<CampaignImportStatus> {
      const { mapping } = findMapping(config, input.mapping);
      return importStatus(resources.campaign().workflows, importWorkflowOf(mapping));
    },

    async collectImportRejects(input: CollectImportRejectsInput): Promise<CollectImportRejectsResult> {
      const { mapping } = findMapping(config, input.mapping);
      const fields = new Set([mapping.key.to, ...mapping.fields.map((field) => field.to)]);
      const report = new RejectsReport(config.reports.folder, mapping.name, input.reportId);
      const target = { resource: mapping.to, fields };
      const keys = { found: [] as string[], room: input.revisitRoom ?? 0 };
      const rejected = await collectRejects(resources.sftp(), rejectsFolder, input.fileNames, target, report, keys);
      return { rejected, ...(keys.found.length > 0 ? { revisit: keys.found } : {}) };
    },
  };
}

function importWorkflowOf(mapping: IngressMapping): string {
  const workflowId = mapping.initialTransfer.importWorkflow;
  if (workflowId === undefined) {
    throw ApplicationFailure.nonRetryable(
      `ingress mapping ${mapping.name} has no initialTransfer.importWorkflow: the file path needs the Campaign import workflow's ID (docs/campaign-files.md)`,
      CONFIG_ERROR
    );
  }
  return workflowId;
}
