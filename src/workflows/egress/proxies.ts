import { flowActivities } from '../activity-options';

export const { control, slices, sliceCall } = flowActivities([
  'EgressConfigError',
  'EgressInvalidInput',
  'FlowConfigError',
]);
