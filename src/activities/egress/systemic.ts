import { ApplicationFailure } from '@temporalio/common';
import { DynamicsApiError, DynamicsAuthError, DynamicsNetworkError } from '../../connectors/dynamics';
import { isSystemicRefusal, reportableMessage } from '../../sync/egress';
import { D365_UNAVAILABLE } from '../../sync/failure-types';

/**
 * Tries of one call that meet a systemic failure before the pass fails (each after the client's own retries): a
 * token revoked twice in a row is survived, a missing table fails the pass within seconds, visibly.
 */
export const SYSTEMIC_TRIES = 3;

/** D365 refused a write for a reason no record can fix (see {@link isSystemicRefusal}). */
export class SystemicWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SystemicWriteError';
  }
}

/**
 * The failure a call throws for a systemic error, or `undefined` for any other error: retryable for the first
 * {@link SYSTEMIC_TRIES} - 1 attempts, then final, so the pass fails with a message that names the cause and the
 * file stays in place for the next pass. Outside an activity (no attempt), final at once.
 */
export function systemicFailure(error: unknown, file: string, attempt?: number): ApplicationFailure | undefined {
  const systemic =
    error instanceof SystemicWriteError ||
    error instanceof DynamicsNetworkError ||
    error instanceof DynamicsAuthError ||
    (error instanceof DynamicsApiError &&
      isSystemicRefusal({ status: error.status, code: error.code, message: error.remoteMessage }));
  if (!systemic) return undefined;
  const final = attempt === undefined || attempt >= SYSTEMIC_TRIES;
  // D365's own message may quote a value: masked, as in the rejects report.
  const cause =
    error instanceof DynamicsApiError
      ? `${error.method} ${error.path} answered HTTP ${error.status}${error.code ? ` ${error.code}` : ''}: ${reportableMessage(error.remoteMessage)}`
      : error.message;
  return ApplicationFailure.create({
    type: D365_UNAVAILABLE,
    nonRetryable: final,
    message:
      `D365 cannot take the writes of ${file}: ${cause}; ` +
      (final
        ? `the file stays in place and the next pass resumes it once this is fixed`
        : `try ${attempt} of ${SYSTEMIC_TRIES}`),
  });
}
