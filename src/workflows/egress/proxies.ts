import { CONFIG_ERROR, EGRESS_INVALID_INPUT } from '../../sync/failure-types';
import { flowActivities } from '../activity-options';

export const { control, slices, sliceCall } = flowActivities([CONFIG_ERROR, EGRESS_INVALID_INPUT]);
