import { type ConcurrencyController, type ConcurrencyState } from '../../http/concurrency-controller';
import { createLogger, type Logger } from '../../logging/logger';
import { BatchExecutor, type BatchOperation, type BatchOptions, type BatchResult } from './batch';
import { type RowKey } from './paths';
import { type ChangeOptions, type ChangePage, type Page, type QueryOptions, Reader, type Row } from './reads';
import { type DynamicsCredentials, MsalTokenProvider, type TokenProvider } from './token-provider';
import { controllerForUser } from './user-controllers';
import { type DynamicsLimits, WebApiHttp } from './web-api-http';
import { type UpsertMode, type WriteOptions, type WriteResult, Writer } from './writes';

/** Everything the Dynamics client needs: plain values, no application config type. */
export interface DynamicsClientOptions {
  /** Organization URL, e.g. `https://contoso.crm.dynamics.com` (also the token scope `<url>/.default`). */
  url: string;
  credentials: DynamicsCredentials;
  /** Extra CA certificates (PEM) trusted for the Web API and the authority, e.g. a loopback simulator's. */
  caCertificates?: string;
  limits?: DynamicsLimits;
  /** Web API version. @default 'v9.2' */
  apiVersion?: string;
  /** @default a logger bound to `{ component: 'dynamics' }` */
  logger?: Logger;
  /** Replaces MSAL (only for unit tests of code built on this client). @default MSAL client credentials */
  tokenProvider?: TokenProvider;
  /**
   * A concurrency controller of this client's own, as another worker process would have (tests and benchmarks).
   * @default the controller this process shares among all clients of the application user
   */
  controller?: ConcurrencyController;
}

/** Dataverse Web API client: paged reads, change tracking, counts, writes and `$batch`. */
export class DynamicsClient {
  readonly serviceRoot: string;
  private readonly tokens: TokenProvider;
  private readonly http: WebApiHttp;
  private readonly reader: Reader;
  private readonly writer: Writer;
  private readonly batches: BatchExecutor;
  private readonly controller: ConcurrencyController;

  constructor(options: DynamicsClientOptions) {
    const orgUrl = options.url.replace(/\/+$/, '');
    const logger = options.logger ?? createLogger({ bindings: { component: 'dynamics' } });
    this.serviceRoot = `${orgUrl}/api/data/${options.apiVersion ?? 'v9.2'}/`;
    this.tokens =
      options.tokenProvider ??
      new MsalTokenProvider(orgUrl, options.credentials, {
        caCertificates: options.caCertificates,
        timeoutMs: options.limits?.requestTimeoutMs ?? 120_000,
        logger,
      });
    this.controller =
      options.controller ??
      controllerForUser(
        { tenantId: options.credentials.tenantId, clientId: options.credentials.clientId, url: orgUrl },
        options.limits?.maxConcurrentRequests ?? 8
      );
    this.http = new WebApiHttp(this.tokens, logger, this.controller, options.limits, options.caCertificates);
    this.reader = new Reader(this.http, this.serviceRoot);
    this.writer = new Writer(this.http, this.serviceRoot);
    this.batches = new BatchExecutor(this.http, this.serviceRoot);
  }

  /** Requests of this application user in flight right now, from every client sharing its controller. */
  get inFlight(): number {
    return this.controller.state().inFlight;
  }

  /** The application user's concurrency controller: its limit now, requests in flight, 429s and penalty time. */
  get concurrency(): ConcurrencyState {
    return this.controller.state();
  }

  /** Pages of a query; pass a stored `nextLink` as `startLink` to resume. */
  readPages(entitySet: string, options?: QueryOptions, startLink?: string): AsyncGenerator<Page> {
    return this.reader.pages(entitySet, options, startLink);
  }

  /** Change tracking: a full read ending with a delta link (no `deltaLink`), or the changes since `deltaLink`. */
  readChanges(
    entitySet: string,
    options?: ChangeOptions & { deltaLink?: string; startLink?: string }
  ): AsyncGenerator<ChangePage> {
    return this.reader.changes(entitySet, options);
  }

  /**
   * One page of change tracking: the first of a full read, or the page at `startLink` (a stored next link or delta
   * link). Throws `DeltaTokenExpiredError` when D365 no longer knows the link.
   */
  async readChangePage(entitySet: string, options: ChangeOptions & { startLink?: string }): Promise<ChangePage> {
    const pages = this.reader.changes(entitySet, options);
    try {
      const first = await pages.next();
      if (first.done) throw new Error(`the change-tracking read of ${entitySet} answered no page`);
      return first.value;
    } finally {
      await pages.return(undefined);
    }
  }

  count(entitySet: string, filter?: string): Promise<number> {
    return this.reader.count(entitySet, filter);
  }

  /** The number of changes waiting behind a delta link (for progress reporting). */
  countChanges(deltaLink: string): Promise<number> {
    return this.reader.countChanges(deltaLink);
  }

  totalRecordCount(logicalNames: string[]): Promise<Record<string, number>> {
    return this.reader.totalRecordCount(logicalNames);
  }

  create(entitySet: string, values: Row, options?: WriteOptions & { idempotent?: boolean }): Promise<WriteResult> {
    return this.writer.create(entitySet, values, options);
  }

  update(
    entitySet: string,
    key: RowKey,
    values: Row,
    options?: WriteOptions & { etag?: string }
  ): Promise<WriteResult> {
    return this.writer.update(entitySet, key, values, options);
  }

  upsert(
    entitySet: string,
    key: RowKey,
    values: Row,
    options?: WriteOptions & { mode?: UpsertMode }
  ): Promise<WriteResult> {
    return this.writer.upsert(entitySet, key, values, options);
  }

  delete(entitySet: string, key: RowKey, options?: { etag?: string }): Promise<void> {
    return this.writer.delete(entitySet, key, options);
  }

  /** Up to 1,000 operations in one `$batch`; results come back in input order. */
  executeBatch(operations: BatchOperation[], options?: BatchOptions): Promise<BatchResult[]> {
    return this.batches.execute(operations, options);
  }

  /** `GET WhoAmI`: the application user the client acts as (what an operator checks the credentials with). */
  async whoAmI(): Promise<{ userId: string; organizationId: string }> {
    const { json } = await this.http.requestJson('GET', `${this.serviceRoot}WhoAmI`);
    const answer = json as { UserId?: unknown; OrganizationId?: unknown };
    return { userId: String(answer.UserId), organizationId: String(answer.OrganizationId) };
  }

  /** Releases sockets (the client cannot be used afterwards). */
  close(): void {
    this.http.close();
    this.tokens.close();
  }
}
