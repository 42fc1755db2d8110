import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type * as activities from '../activities';

type Activities = ReturnType<typeof activities.createActivities>;

/** The activity proxies of one flow, given the failure types that retrying cannot fix. */
export interface FlowActivities {
  /** Short calls: settings, preflight, counts, file listings, import state. */
  control: ReturnType<typeof proxyActivities<Activities>>;
  /**
   * One page, chunk or file slice: long-running, retried without limit (the clients absorb throttling, writes are
   * idempotent); a killed worker is noticed by the heartbeat timeout and the work is retried elsewhere. Never handed
   * straight back to the worker that scheduled it (eager dispatch): slices scheduled together (egress files applied at
   * once) go to whichever workers poll, so that a killed worker holds up as few of them as it can.
   */
  slices: ReturnType<typeof proxyActivities<Activities>>;
  /** {@link slices} options with the one-line summary the Temporal UI shows for one call, e.g. `page 3`. */
  sliceCall: (summary: string) => ActivityOptions;
}

/** The control and slice proxies of a flow, with the failure types its workflows handle themselves. */
export function flowActivities(nonRetryableErrorTypes: string[]): FlowActivities {
  const sliceOptions: ActivityOptions = {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2s', maximumInterval: '2 minutes', nonRetryableErrorTypes },
    allowEagerDispatch: false,
  };
  return {
    control: proxyActivities<Activities>({
      startToCloseTimeout: '2 minutes',
      // Kept alive by the worker's heartbeat interceptor: a killed worker's call is retried within 30 s, not 2 min.
      heartbeatTimeout: '30 seconds',
      retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes },
    }),
    slices: proxyActivities<Activities>(sliceOptions),
    sliceCall: (summary) => ({ ...sliceOptions, summary }),
  };
}
