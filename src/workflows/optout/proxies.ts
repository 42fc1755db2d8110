import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../../activities';

type Activities = ReturnType<typeof activities.createActivities>;

/** Failures that retrying cannot fix: the workflow decides what to do instead. */
export const NON_RETRYABLE = ['OptOutConfigError', 'FlowConfigError', 'OptOutDeltaTokenExpired', 'OptOutFileMalformed'];

export const control = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

/** One D365 page or one slice of an opt-out file: heartbeating, retried without limit (writes are idempotent). */
export const slices = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2s', maximumInterval: '2 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
});
