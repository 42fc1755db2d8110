import { type BatchOperation, type DynamicsClient } from '../../connectors/dynamics';
import { isSystemicRefusal, reportableMessage } from '../../sync/egress';
import { forEachBounded } from '../bounded';
import { SystemicWriteError } from './systemic';

/** The final outcome of one operation. */
export type OperationOutcome =
  { ok: true; body?: unknown } | { ok: false; status: number; code: string; message: string };

/** Tries of one operation on its own after its batch could not run it. */
const SINGLE_TRIES = 4;
/** First wait before a single retry; doubles per try. */
const SINGLE_RETRY_DELAY_MS = 250;

/**
 * Runs independent operations in `$batch` requests of `batchSize` (continue-on-error), all sent at once: the D365
 * client's concurrency controller decides how many are in flight (one per application user and process, holding
 * every request during a `Retry-After` penalty, so concurrent batches no longer re-arm it). An operation the batch did not run, or that met a 429 or 5xx, is retried on its own; one that still meets a
 * 429 or 5xx fails the call with a {@link SystemicWriteError}, and so does an answer no record can fix (a table,
 * column or key missing, 401, 403): every operation here is idempotent, the caller redoes them after the fix. Any
 * other answer is the operation's own and final. Outcomes come back in the order of the operations.
 */
export async function runOperations(
  dynamics: DynamicsClient,
  operations: readonly BatchOperation[],
  batchSize: number
): Promise<OperationOutcome[]> {
  const outcomes: OperationOutcome[] = new Array<OperationOutcome>(operations.length);
  const starts = Array.from({ length: Math.ceil(operations.length / batchSize) }, (_, i) => i * batchSize);
  await forEachBounded(starts, { concurrency: starts.length }, async (start) => {
    const slice = operations.slice(start, start + batchSize);
    const results = await dynamics.executeBatch(slice, { continueOnError: true });
    for (const [index, operation] of slice.entries()) {
      const result = results[index];
      outcomes[start + index] =
        result?.outcome === 'succeeded'
          ? { ok: true, body: result.body }
          : result?.outcome === 'failed' && !isTransient(result.status)
            ? failure(operation, result)
            : await runAlone(dynamics, operation);
    }
  });
  return outcomes;
}

async function runAlone(dynamics: DynamicsClient, operation: BatchOperation): Promise<OperationOutcome> {
  let last = 'the $batch did not run it';
  for (let attempt = 1; attempt <= SINGLE_TRIES; attempt += 1) {
    const [result] = await dynamics.executeBatch([operation], { continueOnError: true });
    if (result?.outcome === 'succeeded') return { ok: true, body: result.body };
    if (result?.outcome === 'failed') {
      if (!isTransient(result.status)) return failure(operation, result);
      last = `HTTP ${result.status}${result.code ? ` ${result.code}` : ''}`;
    }
    if (attempt < SINGLE_TRIES) await delay(SINGLE_RETRY_DELAY_MS * 2 ** (attempt - 1));
  }
  throw new SystemicWriteError(
    `${describeOperation(operation)} failed ${SINGLE_TRIES} times on its own in a $batch (${last})`
  );
}

function isTransient(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The operation's own refusal; one that no record can fix fails the call. */
function failure(
  operation: BatchOperation,
  result: { status: number; code: string; message: string }
): OperationOutcome {
  if (isSystemicRefusal(result)) {
    throw new SystemicWriteError(
      `${describeOperation(operation)} answered HTTP ${result.status}${result.code ? ` ${result.code}` : ''}: ${reportableMessage(result.message)}`
    );
  }
  return { ok: false, status: result.status, code: result.code, message: result.message };
}

/** Method and entity set (`PATCH acs_emailclicks`): the key, an event id, is left out. */
function describeOperation(operation: BatchOperation): string {
  return `${operation.method} ${operation.path.split('(')[0] ?? ''}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
