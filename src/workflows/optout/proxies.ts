import { CONFIG_ERROR, DELTA_TOKEN_EXPIRED } from '../../sync/failure-types';
import { flowActivities } from '../activity-options';

/** Failures that retrying cannot fix: the workflow decides what to do instead. */
const NON_RETRYABLE = [CONFIG_ERROR, DELTA_TOKEN_EXPIRED];

export const { control, slices, sliceCall } = flowActivities(NON_RETRYABLE);
