import { DynamicsError, DynamicsMalformedResponseError, type CallInfo } from './errors';
import { queryString, redactPath } from './paths';
import { type WebApiHttp } from './web-api-http';

/** A row as the Web API returns it (columns plus `@odata.etag` and any annotations). */
export type Row = Record<string, unknown>;

/** Dataverse's largest page. */
export const MAX_PAGE_SIZE = 5000;

/** Options of a plain (non-tracking) read. */
export interface QueryOptions {
  select?: string[];
  filter?: string;
  orderBy?: string;
  /** Caps the result; ignored by Dataverse when a page size is sent, so it is sent only without `pageSize`. */
  top?: number;
  /** Ask for `@odata.count` (capped at 5,000 by Dataverse). @default false */
  count?: boolean;
  /** Rows per page (`Prefer: odata.maxpagesize`), 1–5000. @default 5000 */
  pageSize?: number;
  /** `odata.include-annotations` value, e.g. `OData.Community.Display.V1.FormattedValue` for picklist labels. */
  includeAnnotations?: string;
}

/** One page of a read. */
export interface Page {
  rows: Row[];
  /** `@odata.count` of the first page, when asked for. */
  count?: number;
  /** Link to the next page (absent on the last); store it to resume a read. */
  nextLink?: string;
}

/** A row that was deleted since the delta token (`$deletedEntity`). */
export interface Tombstone {
  id: string;
  reason: string;
}

/** One page of a change-tracking read. */
export interface ChangePage {
  /** New or changed rows (Dataverse does not say which). */
  upserts: Row[];
  /** Deleted rows (only in delta reads, after the upserts). */
  deletes: Tombstone[];
  nextLink?: string;
  /** Present on the last page only: the link that reads the changes made after this read. */
  deltaLink?: string;
}

/** Options of a change-tracking read. */
export interface ChangeOptions {
  select?: string[];
  /** Rows per page, 1–5000. @default 5000 */
  pageSize?: number;
  includeAnnotations?: string;
}

function checkPageSize(pageSize: number | undefined): number {
  const size = pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${size}`);
  }
  return size;
}

function preferHeader(parts: (string | undefined)[]): Record<string, string> {
  const prefer = parts.filter((p): p is string => p !== undefined).join(',');
  return prefer === '' ? {} : { Prefer: prefer };
}

/** Reads paged collections and change-tracking deltas, one page in memory at a time. */
export class Reader {
  constructor(
    private readonly http: WebApiHttp,
    /** Service root ending with `/api/data/v9.2/`. */
    private readonly serviceRoot: string
  ) {}

  /** First-page URL of a plain read. */
  queryUrl(entitySet: string, options: QueryOptions = {}): string {
    return `${this.serviceRoot}${entitySet}${queryString({
      $select: options.select?.join(','),
      $filter: options.filter,
      $orderby: options.orderBy,
      $top: options.pageSize === undefined ? options.top : undefined,
      $count: options.count ? 'true' : undefined,
    })}`;
  }

  /** Pages of a read, following each `@odata.nextLink` verbatim; `startLink` resumes from a stored next link. */
  async *pages(entitySet: string, options: QueryOptions = {}, startLink?: string): AsyncGenerator<Page> {
    const pageSize = checkPageSize(options.pageSize);
    // Dataverse ignores `$top` when a page size is sent, so `top` alone means: no page size.
    const capByTop = options.top !== undefined && options.pageSize === undefined;
    const headers = preferHeader([
      capByTop ? undefined : `odata.maxpagesize=${pageSize}`,
      options.includeAnnotations ? `odata.include-annotations="${options.includeAnnotations}"` : undefined,
    ]);
    let link: string | undefined = startLink ?? this.queryUrl(entitySet, options);
    while (link) {
      const { call, body } = await this.getCollection(link, headers);
      const nextLink = this.optionalLink(call, body, '@odata.nextLink');
      const count = body['@odata.count'];
      yield { rows: body.value as Row[], count: typeof count === 'number' ? count : undefined, nextLink };
      link = nextLink;
    }
  }

  /**
   * Pages of a change-tracking read: without `deltaLink`, every row and then (last page) a delta link; with it,
   * the changes since: upserts, then tombstones. `startLink` resumes from a stored next link.
   */
  async *changes(
    entitySet: string,
    options: ChangeOptions & { deltaLink?: string; startLink?: string } = {}
  ): AsyncGenerator<ChangePage> {
    const pageSize = checkPageSize(options.pageSize);
    const headers = preferHeader([
      'odata.track-changes',
      `odata.maxpagesize=${pageSize}`,
      options.includeAnnotations ? `odata.include-annotations="${options.includeAnnotations}"` : undefined,
    ]);
    let link: string | undefined =
      options.startLink ??
      options.deltaLink ??
      `${this.serviceRoot}${entitySet}${queryString({ $select: options.select?.join(',') })}`;
    while (link) {
      const { call, body } = await this.getCollection(link, headers);
      const nextLink = this.optionalLink(call, body, '@odata.nextLink');
      const deltaLink = this.optionalLink(call, body, '@odata.deltaLink');
      if (!nextLink && !deltaLink) {
        throw new DynamicsMalformedResponseError(
          call,
          `change-tracking answer has neither @odata.nextLink nor @odata.deltaLink (is change tracking enabled for ${entitySet}?)`
        );
      }
      const page: ChangePage = { upserts: [], deletes: [], nextLink, deltaLink: nextLink ? undefined : deltaLink };
      for (const item of body.value as Row[]) {
        const context = item['@odata.context'];
        if (typeof context === 'string' && context.endsWith('/$deletedEntity')) {
          if (typeof item.id !== 'string')
            throw new DynamicsMalformedResponseError(call, 'a $deletedEntity item has no id');
          page.deletes.push({ id: item.id, reason: typeof item.reason === 'string' ? item.reason : 'deleted' });
        } else page.upserts.push(item);
      }
      yield page;
      link = nextLink;
    }
  }

  /** `GET <set>/$count` (Dataverse caps it at 5,000; use `totalRecordCount` beyond). */
  async count(entitySet: string, filter?: string): Promise<number> {
    return this.countAt(`${this.serviceRoot}${entitySet}/$count${queryString({ $filter: filter })}`);
  }

  /** How many changes a delta read from `deltaLink` would return now (`GET <set>/$count?$deltatoken=…`). */
  async countChanges(deltaLink: string): Promise<number> {
    this.checkLink(deltaLink);
    const link = new URL(deltaLink);
    const token = link.searchParams.get('$deltatoken');
    if (token === null) throw new DynamicsError(`not a delta link: ${redactPath(deltaLink)} has no $deltatoken`);
    return this.countAt(`${link.origin}${link.pathname}/$count${queryString({ $deltatoken: token })}`);
  }

  private async countAt(url: string): Promise<number> {
    const response = await this.http.request('GET', url);
    const text = response.body
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim();
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
      throw new DynamicsMalformedResponseError(
        { method: 'GET', path: redactPath(url), status: response.status },
        `count is not a number (${text.length} bytes)`
      );
    }
    return value;
  }

  /** `RetrieveTotalRecordCount`: row counts per table (a snapshot Dataverse refreshes within 24 hours). */
  async totalRecordCount(logicalNames: string[]): Promise<Record<string, number>> {
    const url = `${this.serviceRoot}RetrieveTotalRecordCount(EntityNames=@p1)?@p1=${encodeURIComponent(JSON.stringify(logicalNames))}`;
    const { response, json } = await this.http.requestJson('GET', url);
    const call = { method: 'GET', path: redactPath(url), status: response.status };
    const collection = (json as { EntityRecordCountCollection?: { Keys?: unknown; Values?: unknown } })
      .EntityRecordCountCollection;
    const keys = collection?.Keys;
    const values = collection?.Values;
    if (!Array.isArray(keys) || !Array.isArray(values) || keys.length !== values.length) {
      throw new DynamicsMalformedResponseError(call, 'EntityRecordCountCollection with Keys and Values is missing');
    }
    return Object.fromEntries(keys.map((k, i) => [String(k), Number(values[i])]));
  }

  private async getCollection(link: string, headers: Record<string, string>): Promise<{ call: CallInfo; body: Row }> {
    this.checkLink(link);
    const { response, json } = await this.http.requestJson('GET', link, { headers });
    const call = { method: 'GET', path: redactPath(link), status: response.status };
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new DynamicsMalformedResponseError(call, 'body is not a JSON object');
    const body = json as Row;
    if (!Array.isArray(body.value))
      throw new DynamicsMalformedResponseError(call, 'collection answer has no "value" array');
    return { call, body };
  }

  private optionalLink(call: CallInfo, body: Row, name: string): string | undefined {
    const link = body[name];
    if (link === undefined || link === null) return undefined;
    if (typeof link !== 'string' || link === '') throw new DynamicsMalformedResponseError(call, `${name} is not a URL`);
    return link;
  }

  /** A next/delta link gets our bearer token: it must point at the organization (or a Dynamics host alias). */
  private checkLink(link: string): void {
    const root = new URL(this.serviceRoot);
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new DynamicsError(`refusing to follow a link that is not an absolute URL (${redactPath(link)})`);
    }
    const sameOrigin = url.origin === root.origin;
    const dynamicsAlias =
      url.protocol === 'https:' && /\.dynamics\.com$/i.test(url.hostname) && /\.dynamics\.com$/i.test(root.hostname);
    if (!sameOrigin && !dynamicsAlias)
      throw new DynamicsError(
        `refusing to send credentials to ${url.origin}: the link does not point at ${root.origin}`
      );
  }
}
