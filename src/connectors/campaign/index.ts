export {
  createCampaignClient,
  type CampaignClient,
  type CampaignClientOptions,
  type ResourceOptions,
} from './campaign-client';
export {
  ResourceClient,
  type AcsPage,
  type ListOptions,
  type UpsertAction,
  type UpsertResult,
} from './resource-client';
export {
  WorkflowClient,
  type WaitOptions,
  type WorkflowCommand,
  type WorkflowInfo,
  type SignalParameterValue,
} from './workflow-client';
export {
  CampaignApiError,
  CampaignDuplicateKeyError,
  CampaignSignalCooldownError,
  CampaignWorkflowTimeoutError,
} from './errors';
export { formatAcsDate, formatAcsDateTime, parseAcsDate } from '../../sync/acs-dates';
export { changedFields } from './record-diff';
export { type RetryOptions } from './backoff';
export { readCampaignConcurrency } from './api-controllers';
export {
  PROFILE_EXTERNAL_ID_KEY,
  type AcsFields,
  type AcsFilter,
  type AcsRecord,
  type AcsValue,
  type AcsWriteResult,
  type CampaignApi,
  type KeyDefinition,
  type KeyLookup,
} from './types';
