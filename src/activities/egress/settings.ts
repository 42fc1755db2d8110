import { ApplicationFailure } from '@temporalio/common';
import { type Config } from '../../config/schema';
import { CONFIG_ERROR } from '../../sync/failure-types';

export type EgressSettings = NonNullable<Config['egress']>;

/** The `egress` block, or a non-retryable failure naming it. */
export function egressSettings(config: Config): EgressSettings {
  if (!config.egress) throw ApplicationFailure.nonRetryable('egress is not configured (no egress block)', CONFIG_ERROR);
  return config.egress;
}
