import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type SimResponse } from './http-types';

/** The app registration the simulated tenant knows. */
export interface AppRegistration {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface TokenServiceOptions extends AppRegistration {
  /** The organization URL; the only scope accepted is `<orgUrl>/.default`. */
  orgUrl: string;
  /** Lifetime of issued tokens in seconds (Entra: about 3599). @default 3599 */
  tokenLifetimeSeconds?: number;
  clock: () => number;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Why a bearer token was refused (for the 401 the Web API answers). */
export type TokenRejection = 'missing' | 'invalid' | 'expired' | 'revoked';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** An Entra-compatible client-credentials token endpoint with opaque tokens that expire and can be revoked. */
export class TokenService {
  private readonly issued = new Map<string, { expiresAt: number; revoked: boolean; serial: number }>();
  private serials = 0;
  private lifetimeSeconds: number;

  constructor(private readonly options: TokenServiceOptions) {
    this.lifetimeSeconds = options.tokenLifetimeSeconds ?? 3599;
  }

  /** Changes the lifetime of tokens issued from now on. */
  setTokenLifetime(seconds: number): void {
    this.lifetimeSeconds = seconds;
  }

  /** Every token issued so far is refused from now on (401), as after a secret rotation. */
  revokeAll(): void {
    for (const entry of this.issued.values()) entry.revoked = true;
  }

  /** Every token issued so far has expired now. */
  expireAll(): void {
    const now = this.options.clock();
    for (const entry of this.issued.values()) entry.expiresAt = Math.min(entry.expiresAt, now);
  }

  get issuedCount(): number {
    return this.issued.size;
  }

  private error(status: number, error: string, code: number, description: string): TokenAnswer {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${new Date(this.options.clock()).toISOString()}`,
        error_codes: [code],
        timestamp: new Date(this.options.clock()).toISOString().replace('T', ' ').replace('Z', 'Z'),
        trace_id: traceId,
        correlation_id: correlationId,
      },
    };
  }

  /** POST `/<tenant>/oauth2/v2.0/token` with a form body (and optionally HTTP Basic client authentication). */
  issue(tenant: string, form: URLSearchParams, authorization: string | undefined): TokenAnswer {
    const { tenantId, clientId, clientSecret, orgUrl } = this.options;
    if (tenant.toLowerCase() !== tenantId.toLowerCase()) {
      return this.error(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`
      );
    }
    let id = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    if (authorization?.startsWith('Basic ')) {
      const [basicId, basicSecret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      id = id ?? (basicId ? decodeURIComponent(basicId) : undefined);
      secret = secret ?? (basicSecret ? decodeURIComponent(basicSecret) : undefined);
    }
    const grant = form.get('grant_type');
    if (grant !== 'client_credentials') {
      return this.error(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grant ?? ''}'.`
      );
    }
    if (id !== clientId) {
      return this.error(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${id ?? ''}' was not found in the directory '${tenant}'.`
      );
    }
    if (!secret || !sameSecret(secret, clientSecret)) {
      return this.error(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`
      );
    }
    const scope = form.get('scope') ?? '';
    const accepted = [`${orgUrl}/.default`, `${orgUrl}//.default`];
    if (!scope.split(' ').some((s) => accepted.includes(s))) {
      return this.error(
        400,
        'invalid_scope',
        70011,
        `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.`
      );
    }
    const token = randomBytes(32).toString('base64url');
    this.prune();
    this.serials += 1;
    this.issued.set(token, {
      expiresAt: this.options.clock() + this.lifetimeSeconds * 1000,
      revoked: false,
      serial: this.serials,
    });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: this.lifetimeSeconds,
        ext_expires_in: this.lifetimeSeconds,
        access_token: token,
      },
    };
  }

  /** Checks an `Authorization` header; undefined means the token is good. */
  /** The order in which the bearer token was issued (1 for the first): tells clients apart, never shows the token. */
  serialOf(authorization: string | undefined): number | undefined {
    return this.issued.get(authorization?.slice(7).trim() ?? '')?.serial;
  }

  check(authorization: string | undefined): TokenRejection | undefined {
    if (!authorization?.startsWith('Bearer ')) return 'missing';
    const entry = this.issued.get(authorization.slice(7).trim());
    if (!entry) return 'invalid';
    if (entry.revoked) return 'revoked';
    return entry.expiresAt <= this.options.clock() ? 'expired' : undefined;
  }

  /** Forgets tokens that expired more than an hour ago (the map would otherwise grow with every renewal). */
  private prune(): void {
    const cutoff = this.options.clock() - 3600_000;
    for (const [token, entry] of this.issued) if (entry.expiresAt < cutoff) this.issued.delete(token);
  }
}

const JSON_UTF8 = 'application/json; charset=utf-8';

/**
 * The Entra routes of the simulator: `POST /<tenant>/oauth2/v2.0/token` and the tenant's OpenID configuration
 * (which MSAL reads for a known, non-Microsoft authority). Undefined when the request is not for them.
 */
export function identityResponse(
  tokens: TokenService,
  siteUrl: string,
  method: string,
  pathname: string,
  body: string,
  authorization: string | undefined
): SimResponse | undefined {
  const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(pathname);
  if (tokenPath && method === 'POST') {
    const answer = tokens.issue(decodeURIComponent(tokenPath[1] as string), new URLSearchParams(body), authorization);
    return {
      status: answer.status,
      headers: { 'Content-Type': JSON_UTF8, 'Cache-Control': 'no-store' },
      body: JSON.stringify(answer.body),
    };
  }
  const openIdPath = /^\/([^/]+)\/(?:v2\.0\/)?\.well-known\/openid-configuration$/.exec(pathname);
  if (!openIdPath || method !== 'GET') return undefined;
  const authority = `${siteUrl}/${openIdPath[1] as string}`;
  return {
    status: 200,
    headers: { 'Content-Type': JSON_UTF8 },
    body: JSON.stringify({
      issuer: `${authority}/v2.0`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    }),
  };
}
