import { flowActivities } from '../activity-options';

/** Errors that retrying cannot fix: the workflow decides what to do instead. */
const NON_RETRYABLE = ['IngressConfigError', 'DeltaTokenExpired'];

export const { control, slices: pages, sliceCall: pageCall } = flowActivities(NON_RETRYABLE);
