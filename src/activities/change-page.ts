import { ApplicationFailure } from '@temporalio/common';
import {
  type ChangeOptions,
  type ChangePage,
  DeltaTokenExpiredError,
  type DynamicsClient,
} from '../connectors/dynamics';
import { DELTA_TOKEN_EXPIRED } from '../sync/failure-types';

/**
 * One page of a flow's change-tracking read (`DynamicsClient.readChangePage`); an expired delta link becomes the
 * non-retryable failure after which the workflow reads the table in full again.
 */
export async function readChangePage(
  dynamics: DynamicsClient,
  entitySet: string,
  options: ChangeOptions & { startLink?: string }
): Promise<ChangePage> {
  try {
    return await dynamics.readChangePage(entitySet, options);
  } catch (error) {
    if (error instanceof DeltaTokenExpiredError) {
      throw ApplicationFailure.create({
        message: `the delta link of ${entitySet} has expired; read it in full again (${error.message})`,
        type: DELTA_TOKEN_EXPIRED,
        nonRetryable: true,
        cause: error,
      });
    }
    throw error;
  }
}
