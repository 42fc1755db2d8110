import { readRequestBody } from '../../http/request-body';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Logger } from '../../logging/logger';
import { AcsError, AcsErrorCode, badUri, invalidApiKey, invalidToken } from './acs-error';
import { ExportFeeds } from './export-feeds';
import { FakeIms } from './fake-ims';
import { historyAnswer } from './history-api';
import { type CampaignCostOptions, GatewayThrottle } from './cost';
import { FaultInjector } from './faults';
import { CampaignStore, type EngineCallCounts } from './record-store';
import { ResourceApi, type ApiAnswer } from './resource-api';
import {
  buildCustomResourceModel,
  buildProfileModel,
  buildServiceModel,
  type CustomResourceConfig,
  type ProfileModelOptions,
} from './resource-model';
import { SeededRandom } from './random';
import { defaultImportWorkflow, importFolders, WorkflowEngine, type WorkflowConfig } from './workflow-engine';

export interface CampaignSimulatorOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The `<ORGANIZATION>` in `/<ORGANIZATION>/campaign/...`. @default 'acme' */
  organization?: string;
  /** @default 'acs-simulator-client' */
  clientId?: string;
  /** @default a random secret (see the handle's `clientSecret`) */
  clientSecret?: string;
  /** IMS token lifetime in seconds. @default 86399 */
  tokenTtlSeconds?: number;
  /** The folder the Campaign SFTP server serves; needed by the import workflows and export feeds. */
  sftpRoot?: string;
  /** Import files folder, relative to `sftpRoot`. @default 'd365_loads/imports' */
  importDir?: string;
  /** Rejects files folder, relative to `sftpRoot`. @default 'd365_loads/imports/rejects' */
  rejectsDir?: string;
  /** Profile extension fields, filters and identification key. */
  profile?: ProfileModelOptions;
  /** Custom resources, as published in Campaign. @default [] */
  customResources?: CustomResourceConfig[];
  /** Workflows. @default [the profile import workflow WKF_IMPORT_PROFILE] */
  workflows?: WorkflowConfig[];
  /** Delay before a workflow command takes effect. @default 100 */
  commandDelayMs?: number;
  /** Minimum time between two triggers of one signal. @default 600000 (10 minutes, as ACS) */
  signalCooldownMs?: number;
  /** `_lineCount` when none is sent. @default 25 */
  defaultLineCount?: number;
  /** XtkBigTableThreshold: above this many rows `next` needs `_forcePagination=true`. @default 100000 */
  bigTableThreshold?: number;
  /** Export feeds (need `sftpRoot`). */
  exports?: {
    /** @default 1 */
    seed?: number;
    /** @default false */
    gzip?: boolean;
    /** @default 'd365_loads/exports/events' */
    eventsDir?: string;
    /** @default 'd365_loads/exports/optouts' */
    optOutsDir?: string;
    /** Generate and write files on this schedule; undefined = only on demand. */
    intervalMs?: number;
    /** Events generated per scheduled tick. @default 20 */
    eventsPerInterval?: number;
    /** Opt-out changes generated per scheduled tick. @default 2 */
    optOutChangesPerInterval?: number;
  };
  /** Seed of the fault injector's randomness. @default 1 */
  faultSeed?: number;
  /** Latency per API call, import time per record, gateway throttle (docs/cost-model.md). @default none */
  cost?: CampaignCostOptions;
  logger?: Logger;
}

export interface CampaignSimulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The Campaign API root: `<url>/<organization>/campaign`. */
  baseUrl: string;
  /** IMS token endpoint: `<url>/ims/token/v3`. */
  imsUrl: string;
  organization: string;
  clientId: string;
  clientSecret: string;
  /** Same as clientId (ACS's X-Api-Key). */
  apiKey: string;
  sftpRoot?: string;
  /** Injected faults: add rules, clear them, read what was injected. */
  faults: FaultInjector;
  ims: FakeIms;
  store: CampaignStore;
  workflows: WorkflowEngine;
  /** Export feeds; undefined without `sftpRoot`. */
  exports?: ExportFeeds;
  /** Engine calls so far (insert 1, update 2 or 1 when unchanged, delete 1). */
  engineCalls(): EngineCallCounts;
  resetEngineCalls(): void;
  /** HTTP requests received, by method (IMS included). */
  requests: Record<string, number>;
  /**
   * Traffic statistics: Campaign API calls without `Cache-Control: no-cache`, the most calls in flight at once, the
   * last 50 requests as `METHOD /path?query`, and with a gateway throttle, the last 10,000 API calls it saw: when each
   * arrived and, for a refused one, the `Retry-After` it was answered.
   */
  traffic: {
    missingNoCache: number;
    inFlight: number;
    maxInFlight: number;
    recent: string[];
    gateway: { arrivedAt: number; retryAfterSeconds?: number }[];
  };
  /** Adds `count` profiles with an externalId, email and names, from a seed. @returns their externalIds */
  seedProfiles(count: number, seed?: number): string[];
  close(): Promise<void>;
}

const BODY_LIMIT = 10 * 1024 * 1024;

/** Starts the Adobe Campaign Standard simulator (REST API + IMS) on one loopback port. */
export async function startCampaignSimulator(options: CampaignSimulatorOptions = {}): Promise<CampaignSimulator> {
  const organization = options.organization ?? 'acme';
  const clientId = options.clientId ?? 'acs-simulator-client';
  const clientSecret = options.clientSecret ?? `s3cr3t-${randomBytes(12).toString('hex')}`;
  const models = [
    buildProfileModel(options.profile),
    buildServiceModel(),
    ...(options.customResources ?? []).map(buildCustomResourceModel),
  ];
  const store = new CampaignStore(models);
  const ims = new FakeIms(clientId, clientSecret, options.tokenTtlSeconds ?? 86399);
  const faults = new FaultInjector(options.faultSeed ?? 1);
  const gateway = options.cost?.gateway ? new GatewayThrottle(options.cost.gateway) : undefined;
  const requests: Record<string, number> = {};
  const traffic = {
    missingNoCache: 0,
    inFlight: 0,
    maxInFlight: 0,
    recent: [] as string[],
    gateway: [] as { arrivedAt: number; retryAfterSeconds?: number }[],
  };
  let baseUrl = '';
  const resources = new ResourceApi(store, () => baseUrl, {
    defaultLineCount: options.defaultLineCount ?? 25,
    bigTableThreshold: options.bigTableThreshold ?? 100_000,
  });
  const folders = options.sftpRoot
    ? importFolders(
        options.sftpRoot,
        options.importDir ?? 'd365_loads/imports',
        options.rejectsDir ?? 'd365_loads/imports/rejects'
      )
    : undefined;
  const workflows = new WorkflowEngine(store, options.workflows ?? [defaultImportWorkflow()], () => baseUrl, {
    commandDelayMs: options.commandDelayMs ?? 100,
    importMsPerRecord: options.cost?.importMsPerRecord ?? 0,
    signalCooldownMs: options.signalCooldownMs ?? 600_000,
    importFolder: folders?.importFolder,
    rejectsFolder: folders?.rejectsFolder,
    logger: options.logger,
  });
  const exports = options.sftpRoot
    ? new ExportFeeds(store, {
        ...options.exports,
        sftpRoot: options.sftpRoot,
        instanceHost: `${organization}.campaign.adobe.com`,
      })
    : undefined;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    requests[method] = (requests[method] ?? 0) + 1;
    const url = new URL(req.url ?? '/', 'http://simulator');
    traffic.recent.push(`${method} ${req.url ?? '/'}`);
    if (traffic.recent.length > 50) traffic.recent.shift();
    if (url.pathname !== '/ims/token/v3' && req.headers['cache-control'] !== 'no-cache') traffic.missingNoCache += 1;
    const isApiCall = url.pathname !== '/ims/token/v3';
    const wait = gateway && isApiCall ? gateway.admit() : undefined;
    if (gateway && isApiCall) {
      traffic.gateway.push({ arrivedAt: Date.now(), ...(wait !== undefined ? { retryAfterSeconds: wait } : {}) });
      if (traffic.gateway.length > 10_000) traffic.gateway.shift();
    }
    if (wait !== undefined) {
      res.setHeader('Retry-After', String(wait));
      return sendJson(res, 429, { code: 429, message: 'Too Many Requests' });
    }
    const decision = faults.decide(method, url.pathname);
    const latencyMs = decision.latencyMs + (isApiCall ? (options.cost?.latencyMs ?? 0) : 0);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const fault = decision.fault;
    if (fault?.afterProcessing) {
      // The request takes effect, then its answer is lost or replaced: the client cannot know it succeeded.
      route(method, url, await readRequestBody(req, BODY_LIMIT), req);
    }
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'nonJson') {
      return sendText(res, 200, '<html><body><h1>Gateway</h1>upstream answered garbage</body></html>', 'text/html');
    }
    if (fault?.kind === 'status') {
      const status = fault.status ?? 503;
      if (fault.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(fault.retryAfterSeconds));
      return sendJson(res, status, {
        code: status,
        message: status === 429 ? 'Too Many Requests' : 'Service Unavailable',
      });
    }
    const raw = await readRequestBody(req, BODY_LIMIT);
    const answer = route(method, url, raw, req);
    if (answer.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(answer.retryAfterSeconds));
    if (answer.text !== undefined) return sendText(res, answer.status, answer.text, 'text/plain; charset=utf-8');
    return sendJson(res, answer.status, answer.body);
  };

  const route = (method: string, url: URL, raw: string, req: IncomingMessage): ApiAnswer => {
    try {
      if (url.pathname === '/ims/token/v3') {
        if (method !== 'POST') throw new AcsError(405, undefined, 'Method not allowed');
        const answer = ims.issue(new URLSearchParams(raw));
        return { status: answer.status, body: answer.body };
      }
      const segments = url.pathname
        .split('/')
        .filter((segment) => segment !== '')
        .map(decodeURIComponent);
      const last = segments.length - 1;
      if (last >= 0) segments[last] = (segments[last] ?? '').replace(/\.json$/, '');
      if (req.headers['x-api-key'] !== clientId) throw invalidApiKey();
      const authorization = req.headers.authorization ?? '';
      if (!authorization.startsWith('Bearer ') || !ims.isValid(authorization.slice(7))) throw invalidToken();
      const [org, campaign, area, ...rest] = segments;
      if (org !== organization || campaign !== 'campaign' || area === undefined) throw badUri();
      const body = raw.trim() === '' ? undefined : parseBody(raw);
      if (area === 'workflow' && rest[0] === 'execution')
        return workflows.handle(method, rest.slice(1), body, Buffer.byteLength(raw));
      if (
        (area === 'profileAndServices' || area === 'profileAndServicesExt') &&
        rest[0] === 'history' &&
        method === 'GET'
      ) {
        return historyAnswer(store, baseUrl, area, rest.slice(1), (externalId) => exports?.eventsOf(externalId) ?? []);
      }
      if (area === 'profileAndServices' || area === 'profileAndServicesExt' || area === 'customResources') {
        return resources.handle(method, area, rest, url.searchParams, body);
      }
      throw badUri();
    } catch (error) {
      if (error instanceof AcsError) return { status: error.status, body: error.body() };
      options.logger?.error({ err: error }, 'campaign simulator failed on a request');
      return { status: 500, body: { code: 500, message: 'Internal error of the simulator' } };
    }
  };

  const server: Server = createServer((req, res) => {
    traffic.inFlight += 1;
    traffic.maxInFlight = Math.max(traffic.maxInFlight, traffic.inFlight);
    res.on('close', () => (traffic.inFlight -= 1));
    handler(req, res).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'campaign simulator request failed');
      if (!res.headersSent) sendJson(res, 500, { code: 500, message: 'Internal error of the simulator' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
  baseUrl = `${url}/${organization}/campaign`;

  let exportTimer: NodeJS.Timeout | undefined;
  const interval = options.exports?.intervalMs;
  if (exports && interval !== undefined && interval > 0) {
    exportTimer = setInterval(() => {
      exports.generateEvents(options.exports?.eventsPerInterval ?? 20);
      exports.generateOptOutChanges(options.exports?.optOutChangesPerInterval ?? 2);
      exports.writeNow().catch((error: unknown) => options.logger?.warn({ err: error }, 'export feed write failed'));
    }, interval);
  }

  return {
    url,
    baseUrl,
    imsUrl: `${url}/ims/token/v3`,
    organization,
    clientId,
    clientSecret,
    apiKey: clientId,
    sftpRoot: options.sftpRoot,
    faults,
    ims,
    store,
    workflows,
    exports,
    engineCalls: () => ({ ...store.counts }),
    resetEngineCalls: () => store.resetCounts(),
    requests,
    traffic,
    seedProfiles: (count, seed = 7) => seedProfiles(store, count, seed),
    close: async () => {
      if (exportTimer) clearInterval(exportTimer);
      await workflows.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson'];

function seedProfiles(store: CampaignStore, count: number, seed: number): string[] {
  const table = store.table('profile');
  if (!table) return [];
  const random = new SeededRandom(seed);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const externalId = [8, 4, 4, 4, 12]
      .map((n) => Array.from({ length: n }, () => random.int(16).toString(16)).join(''))
      .join('-');
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    store.create(table, {
      values: { externalId, firstName, lastName, email: `${firstName}.${lastName}.${i}@example.com`.toLowerCase() },
      links: {},
    });
    ids.push(externalId);
  }
  store.resetCounts();
  return ids;
}

function parseBody(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new AcsError(400, AcsErrorCode.badRequest, 'The request body is not valid JSON.');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { 'Content-Length': '0' });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
