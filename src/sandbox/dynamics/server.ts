import { readRequestBody } from '../../http/request-body';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { generateLoopbackCertificate, type LoopbackCertificate } from './certificate';
import { Database, type DatabaseOptions } from './database';
import { WebApiError } from './errors';
import { faultResponse, type FaultOptions, Faults, malformed } from './faults';
import { type SimResponse } from './http-types';
import { DynamicsCost, type DynamicsCostOptions } from './cost';
import { ServiceProtection, type ServiceProtectionLimits } from './throttle';
import { identityResponse, TokenService } from './token-service';
import { WebApi } from './web-api';

export const API_PATH = '/api/data/v9.2/';

/** Largest request body accepted (a 1,000-operation `$batch` fits easily). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface DynamicsSimulatorOptions extends DatabaseOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Serve HTTPS with a certificate generated at start (needed by MSAL, which accepts only https authorities). @default false */
  tls?: boolean;
  /** Certificate to use instead of generating one (only with `tls`). */
  certificate?: LoopbackCertificate;
  /** Tenant of the token endpoint. @default a random GUID */
  tenantId?: string;
  /** The registered app's client id. @default a random GUID */
  clientId?: string;
  /** The registered app's secret. @default random */
  clientSecret?: string;
  /** Lifetime of access tokens in seconds. @default 3599 */
  tokenLifetimeSeconds?: number;
  /** Service protection limits. @default Dataverse's: 6000 requests / 1,200,000 ms / 52 concurrent per 300 s */
  limits?: ServiceProtectionLimits;
  /** Fault injection applied to Web API requests. @default none */
  faults?: FaultOptions;
  /** What each request costs: latency and server time (docs/cost-model.md). @default none: answers at once */
  cost?: DynamicsCostOptions;
}

/** One simulated request, kept for tests (method, path with query, status). */
export interface RequestRecord {
  method: string;
  url: string;
  status: number;
  /** When the request arrived and when its answer left (after the latency), by the simulator's clock. */
  arrivedAt?: number;
  answeredAt?: number;
  /** The `Retry-After` of a 429, in seconds. */
  retryAfterSeconds?: number;
  /** The issue order of the bearer token: which client sent it (each client has its own token). */
  tokenSerial?: number;
}

/** A running simulator. */
export interface DynamicsSimulator {
  /** Organization URL (`https://127.0.0.1:<port>`), the `url` a client is configured with. */
  url: string;
  /** Web API service root, ending with `/api/data/v9.2/`. */
  apiUrl: string;
  /** Entra authority: `<url>/<tenantId>`. */
  authority: string;
  tokenUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM certificate clients must trust (only with `tls`). */
  caCertificate?: string;
  port: number;
  db: Database;
  faults: Faults;
  tokens: TokenService;
  /** Recent requests, oldest first (at most 10,000). */
  requests: RequestRecord[];
  /** Every request answered so far, counted by HTTP status (0: connection dropped), e.g. for request-budget figures. */
  statusCounts: Record<number, number>;
  /** Invalidates delta tokens issued so far (one table or all), as a metadata change does. */
  expireDeltaTokens(entitySetName?: string): void;
  close(): Promise<void>;
}

const MAX_RECORDS = 10_000;

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function send(res: ServerResponse, response: SimResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/**
 * Starts a Dataverse Web API simulator with an Entra-compatible token endpoint on the same port:
 * `/api/data/v9.2/…` and `/<tenant>/oauth2/v2.0/token` (plus the tenant's OpenID configuration for MSAL).
 */
export async function startDynamicsSimulator(options: DynamicsSimulatorOptions = {}): Promise<DynamicsSimulator> {
  const clock = options.clock ?? Date.now;
  const tenantId = options.tenantId ?? randomUUID();
  const clientId = options.clientId ?? randomUUID();
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const certificate = options.tls ? (options.certificate ?? (await generateLoopbackCertificate())) : undefined;
  const db = new Database({ ...options, clock });
  const faults = new Faults(options.faults);
  const protection = new ServiceProtection(options.limits ?? {}, clock);
  const cost = new DynamicsCost(options.cost);
  const requests: RequestRecord[] = [];
  const statusCounts: Record<number, number> = {};
  // Filled in once the port is known.
  const site = { url: '', api: undefined as WebApi | undefined, tokens: undefined as TokenService | undefined };

  const record = (method: string, url: string, status: number, details: Partial<RequestRecord> = {}): void => {
    requests.push({ method, url, status, ...details });
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    if (requests.length > MAX_RECORDS) requests.shift();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const body = await readRequestBody(req, MAX_BODY_BYTES);
    const question = rawUrl.indexOf('?');
    const pathname = question < 0 ? rawUrl : rawUrl.slice(0, question);
    const query = question < 0 ? '' : rawUrl.slice(question + 1);
    const headers = headersOf(req);
    const arrivedAt = clock();
    const api = site.api as WebApi;
    const tokens = site.tokens as TokenService;
    let response: SimResponse;

    const identity = identityResponse(tokens, site.url, method, pathname, body, headers.authorization);
    if (identity) {
      response = identity;
    } else if (pathname.startsWith(API_PATH) || `${pathname}/` === API_PATH) {
      const rejection = tokens.check(headers.authorization);
      if (rejection) {
        response = {
          status: 401,
          headers: {
            'WWW-Authenticate': `Bearer authorization_uri=${site.url}/${tenantId}/oauth2/authorize, resource_id=${site.url}/`,
          },
          body: '',
        };
      } else {
        const decision = faults.next();
        if (decision.kind === 'reset') {
          record(method, rawUrl, 0);
          req.socket.destroy();
          return;
        }
        let release: (() => void) | undefined;
        try {
          release = protection.admit(clientId);
          response =
            faultResponse(decision)?.toResponse() ??
            api.handle({ method, path: pathname.slice(API_PATH.length), query, headers, body });
          if (decision.kind === 'malformed' && response.status < 300) response = malformed(response, decision.form);
          // Server time: what service protection's execution-time limit counts, and what holds a concurrency slot.
          const serverMs = cost.serverTimeMs(api.takeWork()) + faults.latencyMs;
          if (serverMs > 0) await sleep(serverMs);
        } catch (err) {
          if (!(err instanceof WebApiError)) throw err;
          response = err.toResponse();
        } finally {
          release?.();
        }
        Object.assign(response.headers, protection.remaining(clientId), {
          'x-ms-dop-hint': String(cost.options.dopHint),
        });
        if (cost.options.latencyMs > 0) await sleep(cost.options.latencyMs);
      }
    } else {
      response = { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'Not found' };
    }
    const retryAfter = Number(response.headers['Retry-After']);
    record(method, rawUrl, response.status, {
      arrivedAt,
      answeredAt: clock(),
      ...(response.status === 429 && Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}),
      ...(tokens.serialOf(headers.authorization) !== undefined
        ? { tokenSerial: tokens.serialOf(headers.authorization) }
        : {}),
    });
    send(res, response);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, new WebApiError(500, '0x80040216', 'An unexpected error occurred.').toResponse());
      else res.destroy();
    });
  };
  const server: Server = certificate
    ? createHttpsServer({ key: certificate.key, cert: certificate.cert }, listener)
    : createHttpServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${certificate ? 'https' : 'http'}://${host}:${port}`;
  site.url = url;
  site.api = new WebApi(db, `${url}${API_PATH}`);
  const tokens = new TokenService({
    tenantId,
    clientId,
    clientSecret,
    orgUrl: url,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    clock,
  });
  site.tokens = tokens;

  return {
    url,
    apiUrl: `${url}${API_PATH}`,
    authority: `${url}/${tenantId}`,
    tokenUrl: `${url}/${tenantId}/oauth2/v2.0/token`,
    tenantId,
    clientId,
    clientSecret,
    caCertificate: certificate?.cert,
    port,
    db,
    faults,
    tokens,
    requests,
    statusCounts,
    expireDeltaTokens: (entitySetName) => db.expireDeltaTokens(entitySetName),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
