import { ApplicationFailure } from '@temporalio/common';
import { type Config } from '../../config/schema';

/** The failure type of egress activities run without an `egress` configuration: retrying cannot help. */
export const EGRESS_CONFIG_ERROR = 'EgressConfigError';

export type EgressSettings = NonNullable<Config['egress']>;

/** The `egress` block, or a non-retryable failure naming it. */
export function egressSettings(config: Config): EgressSettings {
  if (!config.egress)
    throw ApplicationFailure.nonRetryable('egress is not configured (no egress block)', EGRESS_CONFIG_ERROR);
  return config.egress;
}
