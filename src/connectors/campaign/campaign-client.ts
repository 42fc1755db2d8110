import { type Logger } from '../../logging/logger';
import { type RetryOptions } from './backoff';
import { CampaignHttp } from './campaign-http';
import { ImsTokenProvider } from './ims-token-provider';
import { ResourceClient } from './resource-client';
import { CampaignApiError } from './errors';
import { type CampaignApi, type KeyDefinition } from './types';
import { WorkflowClient } from './workflow-client';

export interface CampaignClientOptions {
  /** Campaign tenant (`<ORGANIZATION>`, or `<ORGANIZATION>-mkt-stage`); used when `baseUrl` is not given. */
  organization?: string;
  /** API root. @default `https://mc.adobe.io/<organization>/campaign` */
  baseUrl?: string;
  /** Adobe IMS OAuth server-to-server credentials. */
  clientId: string;
  clientSecret: string;
  /** `X-Api-Key` value. @default clientId */
  apiKey?: string;
  /** IMS token endpoint. @default 'https://ims-na1.adobelogin.com/ims/token/v3' */
  imsUrl?: string;
  /** IMS scopes. @default ['openid', 'AdobeID', 'campaign_sdk', 'additional_info.projectedProductContext'] */
  scopes?: string[];
  /** Renew the token this many seconds before it expires. @default 300 */
  tokenRenewalMarginSeconds?: number;
  /**
   * Most ACS calls in flight at once (ACS does not throttle; the client must); a gateway 429 lowers the pace and holds
   * every call until its `Retry-After` has passed. @default 8
   */
  maxConcurrency?: number;
  /** Retries on 5xx, network faults and malformed answers. @default { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30000 } */
  retry?: RetryOptions;
  /** Timeout of one call. @default 60000 */
  timeoutMs?: number;
  logger?: Logger;
}

export interface ResourceOptions {
  api: CampaignApi;
  name: string;
  key?: KeyDefinition;
}

/** The Adobe Campaign Standard REST client. */
export interface CampaignClient {
  /** The API root in use, e.g. `https://mc.adobe.io/acme/campaign`. */
  readonly baseUrl: string;
  /** A client for one resource, e.g. `{ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY }`. */
  resource(options: ResourceOptions): ResourceClient;
  readonly workflows: WorkflowClient;
  /**
   * A resource's metadata (`GET /<api>/resourceType/<name>`: fields with types, lengths, enumerations, filters), or
   * `undefined` when the surface has no such resource (404).
   */
  resourceMetadata(api: CampaignApi, name: string): Promise<Record<string, unknown> | undefined>;
  /** IMS tokens fetched so far. */
  readonly tokensFetched: number;
}

export function createCampaignClient(options: CampaignClientOptions): CampaignClient {
  const baseUrl = options.baseUrl ?? defaultBaseUrl(options.organization);
  const tokens = new ImsTokenProvider({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    imsUrl: options.imsUrl,
    scopes: options.scopes,
    renewalMarginSeconds: options.tokenRenewalMarginSeconds,
  });
  const http = new CampaignHttp({
    baseUrl,
    apiKey: options.apiKey ?? options.clientId,
    tokens,
    maxConcurrency: options.maxConcurrency,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    logger: options.logger,
  });
  const workflows = new WorkflowClient(http);
  return {
    baseUrl: http.baseUrl,
    resource: (resource) => new ResourceClient(http, { ...resource, retry: options.retry }),
    workflows,
    resourceMetadata: (api, name) => readResourceMetadata(http, api, name),
    get tokensFetched() {
      return tokens.tokensFetched;
    },
  };
}

function defaultBaseUrl(organization: string | undefined): string {
  if (organization === undefined || !/^[A-Za-z0-9_-]+$/.test(organization)) {
    throw new TypeError('Campaign client needs baseUrl or a valid organization (letters, digits, "-" and "_")');
  }
  return `https://mc.adobe.io/${organization}/campaign`;
}

async function readResourceMetadata(
  http: CampaignHttp,
  api: CampaignApi,
  name: string
): Promise<Record<string, unknown> | undefined> {
  const target = `/${api}/resourceType/${encodeURIComponent(name)}`;
  const response = await http.request({ method: 'GET', target, retry: 'idempotent', acceptStatuses: [404] });
  if (response.status === 404) return undefined;
  const body = response.json;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new CampaignApiError(`GET ${target}`, 'answer is not a JSON object', response.status);
  }
  return body as Record<string, unknown>;
}
