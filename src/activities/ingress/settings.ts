import { ApplicationFailure } from '@temporalio/activity';
import { rowsPerChunk } from '../../config/chunk-rows';
import { durationToMs } from '../../config/duration';
import { linkParents } from '../../config/link-rules';
import { type Config, type IngressMapping } from '../../config/schema';
import { findMapping as lookUpMapping } from './resolve';
import { CONFIG_ERROR } from '../../sync/failure-types';

/** The parts of a mapping's configuration that steer its workflows (no secrets, no data). */
export interface IngressSettings {
  mapping: string;
  everyMs: number;
  fileThreshold: number;
  chunkRows: number;
  /** Rows a chunk file really holds: a chunk ends at the first D365 page boundary at or after `chunkRows`. */
  rowsPerChunk: number;
  /** Whether the file path is available (an import workflow is configured). */
  canUseFiles: boolean;
  importTimeoutMs: number;
  /**
   * `filter.deleteFilteredOut`: rows that leave the filter are deleted in Campaign. A transfer by file cannot delete,
   * so a reconciliation walk over Campaign follows it.
   */
  deleteFilteredOut: boolean;
  /**
   * The mappings this one links to (its fields' `link`): their first initial transfer runs before this one's. Absent
   * from the settings in histories recorded before links existed.
   */
  linkedMappings?: string[];
}

export interface LoadIngressSettingsInput {
  mapping: string;
}

/** Finds a mapping by name; a name the configuration no longer has fails without retries, saying what to do. */
export function findMapping(config: Config, name: string): { mapping: IngressMapping; index: number } {
  const found = lookUpMapping(config, name);
  if (!found) {
    throw ApplicationFailure.nonRetryable(
      `the worker's configuration has no ingress mapping named "${name}" (it has: ${config.ingress.map((m) => m.name).join(', ') || 'none'}). ` +
        'Restore it, or stop this flow.',
      CONFIG_ERROR
    );
  }
  return found;
}

/** Reads the settings from the worker's configuration each time: "reload configuration" takes effect at once. */
export function loadIngressSettingsActivity(config: Config) {
  return function loadIngressSettings(input: LoadIngressSettingsInput): Promise<IngressSettings> {
    const { mapping } = findMapping(config, input.mapping);
    const transfer = mapping.initialTransfer;
    return Promise.resolve({
      mapping: mapping.name,
      everyMs: durationToMs(mapping.every),
      fileThreshold: transfer.fileThreshold,
      chunkRows: transfer.chunkRows,
      rowsPerChunk: rowsPerChunk(transfer.chunkRows, config.dynamics.pageSize),
      canUseFiles: transfer.importWorkflow !== undefined,
      importTimeoutMs: durationToMs(transfer.importTimeout),
      deleteFilteredOut: mapping.filter?.deleteFilteredOut ?? false,
      linkedMappings: linkParents(mapping),
    });
  };
}
