export { DynamicsClient, type DynamicsClientOptions } from './client';
export { type DynamicsCredentials, type TokenProvider, MsalTokenProvider } from './token-provider';
export { type DynamicsLimits } from './web-api-http';
export { DATAVERSE_CONCURRENCY_LIMIT, readDynamicsConcurrency } from './user-controllers';
export { ConcurrencyController, type ConcurrencyState } from '../../http/concurrency-controller';
export {
  type QueryOptions,
  type ChangeOptions,
  type Page,
  type ChangePage,
  type Tombstone,
  type Row,
  MAX_PAGE_SIZE,
} from './reads';
export { type WriteOptions, type WriteResult, type UpsertMode } from './writes';
export { type BatchOperation, type BatchOptions, type BatchResult, MAX_BATCH_OPERATIONS } from './batch';
export { type RowKey, entityPath, redactPath } from './paths';
export { IDS_PER_QUERY, readRowsById } from './rows-by-id';
export {
  DynamicsError,
  DynamicsApiError,
  DeltaTokenExpiredError,
  DynamicsMalformedResponseError,
  DynamicsNetworkError,
  DynamicsAuthError,
  EXPIRED_DELTA_TOKEN_CODE,
} from './errors';
