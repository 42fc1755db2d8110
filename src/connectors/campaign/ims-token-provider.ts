import axios, { type AxiosInstance } from 'axios';
import { CampaignApiError } from './errors';

/** Adobe IMS OAuth server-to-server (client credentials) settings. */
export interface ImsCredentials {
  /** Client ID of the Adobe Developer Console project (also the API key). */
  clientId: string;
  /** Client secret of that project. */
  clientSecret: string;
  /**
   * Scopes requested, joined with commas.
   * @default ['openid', 'AdobeID', 'campaign_sdk', 'additional_info.projectedProductContext']
   */
  scopes?: string[];
  /** Token endpoint. @default 'https://ims-na1.adobelogin.com/ims/token/v3' */
  imsUrl?: string;
  /**
   * Renew a token this many seconds before it expires (capped at half the token's lifetime).
   * @default 300
   */
  renewalMarginSeconds?: number;
  /** Timeout of one token request. @default 30000 */
  timeoutMs?: number;
}

export const DEFAULT_IMS_URL = 'https://ims-na1.adobelogin.com/ims/token/v3';
export const DEFAULT_SCOPES = ['openid', 'AdobeID', 'campaign_sdk', 'additional_info.projectedProductContext'];

interface CachedToken {
  value: string;
  renewAt: number;
}

/**
 * Fetches and caches an IMS access token. One token is shared by all calls and renewed before it expires;
 * concurrent callers wait for the same request instead of each asking IMS.
 */
export class ImsTokenProvider {
  private cached: CachedToken | undefined;
  private pending: Promise<string> | undefined;
  private readonly http: AxiosInstance;
  /** Tokens fetched so far (for tests and metrics). */
  tokensFetched = 0;

  constructor(
    private readonly credentials: ImsCredentials,
    private readonly now: () => number = Date.now
  ) {
    this.http = axios.create({
      timeout: credentials.timeoutMs ?? 30_000,
      validateStatus: () => true,
      responseType: 'text',
    });
  }

  /** A valid access token: the cached one unless it is due for renewal. */
  async getToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return this.cached.value;
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Drops the cached token, e.g. after ACS answered 401013 for it. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const url = this.credentials.imsUrl ?? DEFAULT_IMS_URL;
    const call = `POST ${new URL(url).pathname}`;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.credentials.clientId,
      client_secret: this.credentials.clientSecret,
      scope: (this.credentials.scopes ?? DEFAULT_SCOPES).join(','),
    });
    const requestedAt = this.now();
    let response;
    try {
      response = await this.http.post<string>(url, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        transformResponse: (body: unknown) => body,
      });
    } catch (error) {
      throw new CampaignApiError(call, `IMS unreachable (${(error as Error).message})`, undefined, undefined, true);
    }
    const body = parseJsonObject(response.data);
    if (response.status !== 200) {
      const code = typeof body?.error === 'string' ? body.error : undefined;
      const description =
        typeof body?.error_description === 'string' ? body.error_description : 'token request refused';
      throw new CampaignApiError(call, description, response.status, code, response.status >= 500);
    }
    const token = body?.access_token;
    const expiresIn = Number(body?.expires_in);
    if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new CampaignApiError(call, 'IMS answered without access_token or expires_in', response.status);
    }
    const lifetimeMs = expiresIn * 1000;
    const marginMs = Math.min((this.credentials.renewalMarginSeconds ?? 300) * 1000, lifetimeMs / 2);
    this.cached = { value: token, renewAt: requestedAt + lifetimeMs - marginMs };
    this.tokensFetched += 1;
    return token;
  }
}

function parseJsonObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
