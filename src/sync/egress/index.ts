export {
  BOUNCE_TYPES,
  EMAIL_EVENT_TYPES,
  EVENT_FILE_COLUMNS,
  eventColumns,
  parseEventRecord,
  type BounceType,
  type EmailEvent,
  type EmailEventType,
  type EventColumns,
  type ParsedEvent,
} from './event';
export { isSelected, type EventSelection } from './selection';
export {
  ACTIVITY_TABLES,
  COMPLETED_STATE,
  EVENT_ID_COLUMN,
  TASK_TABLE,
  activityColumns,
  activityRecord,
  activitySubject,
  d365DateTime,
  followUpTask,
  followUpTaskId,
  taskColumns,
  type ActivityBody,
  type ActivityTable,
  type FollowUpSettings,
  type FollowUpTask,
  type RecordOptions,
} from './activity-record';
export { numberedCsvRecords, type NumberedRecord } from '../csv-records';
export { isEventFileName } from './file-names';
export { isSystemicRefusal, reportableMessage, type D365Refusal } from './refusals';
export { type EgressCounts, ZERO_EGRESS_COUNTS } from './counts';
