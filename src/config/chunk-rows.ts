import { type Config } from './schema';
import { type ConfigProblem } from './rules';

/** Rows a CSV chunk really holds: a chunk ends at the first D365 page boundary at or after `chunkRows`. */
export function rowsPerChunk(chunkRows: number, pageSize: number): number {
  return Math.ceil(chunkRows / pageSize) * pageSize;
}

/**
 * What `config validate` says of a valid file without refusing it: each `initialTransfer.chunkRows` that is not a
 * multiple of `dynamics.pageSize`, and the chunk size it becomes (2,000 rows with 5,000-row pages become 5,000).
 */
export function chunkRowsNotes(config: Config): ConfigProblem[] {
  const pageSize = config.dynamics.pageSize;
  return config.ingress.flatMap((mapping, index) => {
    const { chunkRows } = mapping.initialTransfer;
    const rows = rowsPerChunk(chunkRows, pageSize);
    if (rows === chunkRows) return [];
    return [
      {
        path: `ingress[${index}].initialTransfer.chunkRows`,
        message:
          `${chunkRows} is rounded up to ${rows} rows per chunk: a chunk ends at a D365 page boundary ` +
          `(dynamics.pageSize ${pageSize}); set a multiple of the page size to choose the size yourself`,
      },
    ];
  });
}
