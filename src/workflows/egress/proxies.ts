import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type * as activities from '../../activities';

type Activities = ReturnType<typeof activities.createActivities>;

const NON_RETRYABLE = ['EgressConfigError', 'EgressInvalidInput', 'FlowConfigError'];

export const control = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // Kept alive by the worker's heartbeat interceptor: a killed worker's call is retried within 30 s, not 2 min.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

/** One slice of an event file: heartbeating, retried without limit (writes are idempotent by event id). */
const SLICE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2s', maximumInterval: '2 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
};

export const slices = proxyActivities<Activities>(SLICE_OPTIONS);

/** {@link slices} options with the one-line summary the Temporal UI shows for one call, e.g. `page 3`. */
export function sliceCall(summary: string): ActivityOptions {
  return { ...SLICE_OPTIONS, summary };
}
