import { flowActivities } from '../activity-options';

/** Failures that retrying cannot fix: the workflow decides what to do instead. */
const NON_RETRYABLE = ['OptOutConfigError', 'FlowConfigError', 'OptOutDeltaTokenExpired'];

export const { control, slices, sliceCall } = flowActivities(NON_RETRYABLE);
