import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type * as activities from '../../activities';

type Activities = ReturnType<typeof activities.createActivities>;

/** Errors that retrying cannot fix: the workflow decides what to do instead. */
export const NON_RETRYABLE = ['IngressConfigError', 'DeltaTokenExpired'];

/** Short calls: settings, preflight, counts, import state. */
export const control = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // Kept alive by the worker's heartbeat interceptor: a killed worker's call is retried within 30 s, not 2 min.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * One page or one chunk: long-running, heartbeating. Retried without limit (the clients already absorb throttling);
 * a stuck worker is noticed by the heartbeat timeout and the page is retried elsewhere.
 */
const PAGE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2s', maximumInterval: '2 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
};

export const pages = proxyActivities<Activities>(PAGE_OPTIONS);

/** {@link pages} options with the one-line summary the Temporal UI shows for one call, e.g. `page 3`. */
export function pageCall(summary: string): ActivityOptions {
  return { ...PAGE_OPTIONS, summary };
}
