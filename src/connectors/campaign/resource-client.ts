import { backoffDelayMs, resolveRetryOptions, sleep, type RetryOptions } from './backoff';
import { type CampaignHttp, type CampaignResponse } from './campaign-http';
import { CampaignApiError, CampaignDuplicateKeyError } from './errors';
import { changedFields, toWireFields } from './record-diff';
import { scalarText } from '../../sync/scalar';
import {
  type AcsFields,
  type AcsFilter,
  type AcsRecord,
  type AcsWriteResult,
  type CampaignApi,
  type KeyDefinition,
} from './types';

export interface ListOptions {
  /** Filters chained in the path, e.g. `[{ name: 'byEmail', parameters: { email } }]`. @default [] */
  filters?: AcsFilter[];
  /** Records per page (`_lineCount`). @default 25 */
  lineCount?: number;
  /** Sort field (`_order`); ascending unless `descending`. */
  order?: string;
  /** @default false */
  descending?: boolean;
  /**
   * Send `_forcePagination=true`: ACS leaves out `next` on tables above its big-table threshold (100,000 rows by
   * default) unless asked, which would silently end the listing after one page.
   * @default true
   */
  forcePagination?: boolean;
}

export interface AcsPage {
  content: AcsRecord[];
  /** Absolute `next.href` as ACS gave it; undefined on the last page. */
  nextHref?: string;
  /** `count.href`, when ACS gave one. */
  countHref?: string;
}

export type UpsertAction = 'created' | 'updated' | 'unchanged';

export interface UpsertResult {
  action: UpsertAction;
  PKey: string;
  /** Names of the fields written by a PATCH (empty for `created` and `unchanged`). */
  changedFields: string[];
}

export interface ResourceClientOptions {
  api: CampaignApi;
  /** Resource name, e.g. `profile` or `cusOrder`. */
  name: string;
  /** Identification key, needed by `findByKey` and `upsertByKey`. */
  key?: KeyDefinition;
  /** Retries of a failed create inside `upsertByKey` (each retry looks the key up again first). */
  retry?: RetryOptions;
}

/** Reads and writes one ACS resource (`/<api>/<name>`). */
export class ResourceClient {
  private readonly path: string;

  constructor(
    private readonly http: CampaignHttp,
    private readonly options: ResourceClientOptions
  ) {
    this.path = `/${options.api}/${options.name}`;
  }

  /** One page of a listing: the first page when `href` is undefined, else the page at that `next.href`. */
  async page(options: ListOptions = {}, href?: string): Promise<AcsPage> {
    const response =
      href === undefined
        ? await this.http.request({
            method: 'GET',
            target: this.path + filterPath(options.filters),
            query: {
              ...filterQuery(options.filters),
              _lineCount: options.lineCount ?? 25,
              _order: options.order === undefined ? undefined : options.order + (options.descending ? ' desc' : ''),
              _forcePagination: (options.forcePagination ?? true) ? 'true' : undefined,
            },
            retry: 'idempotent',
          })
        : await this.http.request({ method: 'GET', target: href, retry: 'idempotent' });
    return parsePage(this.http.callName('GET', this.http.resolve(href ?? this.path)), response);
  }

  /** Every record, page by page: follows `next.href` exactly as ACS returns it; one page in memory at a time. */
  async *list(options: ListOptions = {}): AsyncGenerator<AcsRecord> {
    let page = await this.page(options);
    let href: string | undefined;
    for (;;) {
      yield* page.content;
      if (page.nextHref === undefined || page.content.length === 0) return;
      if (page.nextHref === href) {
        throw new CampaignApiError(
          `GET ${this.path}`,
          'next.href repeats the page just read; the listing would never end'
        );
      }
      href = page.nextHref;
      page = await this.page(options, href);
    }
  }

  /** Number of records matching the filters (follows `count.href`). */
  async count(filters: AcsFilter[] = []): Promise<number> {
    const first = await this.page({ filters, lineCount: 1 });
    if (first.countHref === undefined) throw new CampaignApiError(`GET ${this.path}`, 'answer has no count.href');
    const response = await this.http.request({ method: 'GET', target: first.countHref, retry: 'idempotent' });
    const count = (response.json as { count?: unknown } | undefined)?.count;
    if (typeof count !== 'number') throw new CampaignApiError(`GET ${this.path}/_count`, 'answer has no numeric count');
    return count;
  }

  /** The record with this PKey (or at this href); undefined when ACS answers 404. */
  async get(pkeyOrHref: string): Promise<AcsRecord | undefined> {
    const response = await this.http.request({
      method: 'GET',
      target: this.recordTarget(pkeyOrHref),
      retry: 'idempotent',
      acceptStatuses: [404],
    });
    if (response.status === 404) return undefined;
    return asRecord(`GET ${this.path}/<PKey>`, response.json);
  }

  /**
   * Creates a record (POST, never repeated here: a repeat after a lost answer could create a duplicate).
   * @returns the created record as ACS answers it, with its PKey
   */
  async create(fields: AcsFields): Promise<AcsRecord> {
    const response = await this.http.request({
      method: 'POST',
      target: this.path,
      body: toWireFields(fields),
      retry: 'none',
    });
    return asRecord(`POST ${this.path}`, response.json);
  }

  /** Changes the given fields of the record with this PKey. */
  async patch(pkey: string, fields: AcsFields): Promise<AcsWriteResult> {
    const response = await this.http.request({
      method: 'PATCH',
      target: this.recordTarget(pkey),
      body: toWireFields(fields),
      retry: 'idempotent',
    });
    const result = response.json as Partial<AcsWriteResult> | undefined;
    if (typeof result?.PKey !== 'string') throw new CampaignApiError(`PATCH ${this.path}/<PKey>`, 'answer has no PKey');
    return { PKey: result.PKey, href: typeof result.href === 'string' ? result.href : '' };
  }

  /** Deletes the record with this PKey; a record already gone (404) counts as deleted. */
  async delete(pkey: string): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      target: this.recordTarget(pkey),
      retry: 'idempotent',
      acceptStatuses: [404],
      expectJson: false,
    });
  }

  /** The record whose identification key has these values; undefined when there is none. */
  async findByKey(key: Record<string, string>): Promise<AcsRecord | undefined> {
    const definition = this.requireKey();
    for (const field of definition.fields) {
      if (key[field] === undefined || key[field] === '') {
        throw new TypeError(`key field '${field}' of '${this.options.name}' is missing`);
      }
    }
    if (definition.lookup.type === 'customKey') {
      const value = key[definition.fields[0] ?? ''] ?? '';
      const response = await this.http.request({
        method: 'GET',
        target: `${this.path}/${pathSegment(value)}`,
        retry: 'idempotent',
        acceptStatuses: [404],
      });
      return response.status === 404 ? undefined : asRecord(`GET ${this.path}/<key>`, response.json);
    }
    const { filter, parameters } = definition.lookup;
    const filterParameters = Object.fromEntries(
      definition.fields.map((field) => [parameters[field] ?? field, key[field] ?? ''])
    );
    const page = await this.page({ filters: [{ name: filter, parameters: filterParameters }], lineCount: 2 });
    // A filter may match more than the exact key (e.g. prefix search): keep exact matches only.
    const matches = page.content.filter((record) =>
      definition.fields.every((field) => scalarText(record[field]) === key[field])
    );
    if (matches.length > 1) {
      throw new CampaignDuplicateKeyError(this.options.name, matches.length);
    }
    return matches[0];
  }

  /**
   * Reads the record by its key, then creates it, or patches only the fields that changed; an unchanged record
   * costs no write. Key fields are taken from `fields` and never patched.
   */
  async upsertByKey(fields: AcsFields): Promise<UpsertResult> {
    const definition = this.requireKey();
    const key = Object.fromEntries(definition.fields.map((field) => [field, keyText(fields[field], field)]));
    const retry = resolveRetryOptions(this.options.retry);
    for (let attempt = 1; ; attempt += 1) {
      const existing = await this.findByKey(key);
      if (existing !== undefined) {
        const changes = changedFields(existing, fields, definition.fields);
        const names = Object.keys(changes);
        if (names.length === 0) return { action: 'unchanged', PKey: existing.PKey, changedFields: [] };
        await this.patch(existing.PKey, changes);
        return { action: 'updated', PKey: existing.PKey, changedFields: names };
      }
      try {
        const created = await this.create(fields);
        return { action: 'created', PKey: created.PKey, changedFields: [] };
      } catch (error) {
        // The create may or may not have happened: look the key up again before repeating it.
        if (!(error instanceof CampaignApiError) || !error.retryable || attempt >= retry.maxAttempts) throw error;
        await sleep(backoffDelayMs(attempt - 1, retry));
      }
    }
  }

  private recordTarget(pkeyOrHref: string): string {
    return /^https?:\/\//i.test(pkeyOrHref) ? pkeyOrHref : `${this.path}/${pathSegment(pkeyOrHref)}`;
  }

  private requireKey(): KeyDefinition {
    if (!this.options.key) throw new TypeError(`resource '${this.options.name}' has no identification key configured`);
    return this.options.key;
  }
}

/** Encodes one path segment, keeping `@` as ACS writes PKeys in its own hrefs. */
function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/%40/g, '@');
}

function filterPath(filters: AcsFilter[] = []): string {
  return filters.map((filter) => `/${encodeURIComponent(filter.name)}`).join('');
}

function filterQuery(filters: AcsFilter[] = []): Record<string, string> {
  const query: Record<string, string> = {};
  for (const filter of filters) {
    for (const [name, value] of Object.entries(filter.parameters ?? {})) query[name] = String(value);
  }
  return query;
}

function keyText(value: unknown, field: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  throw new TypeError(`key field '${field}' must be a non-empty string or a number`);
}

function asRecord(call: string, json: unknown): AcsRecord {
  if (json === null || typeof json !== 'object' || typeof (json as { PKey?: unknown }).PKey !== 'string') {
    throw new CampaignApiError(call, 'answer is not a record with a PKey');
  }
  return json as AcsRecord;
}

function parsePage(call: string, response: CampaignResponse): AcsPage {
  const body = response.json as
    { content?: unknown; next?: { href?: unknown }; count?: { href?: unknown } } | undefined;
  if (body === undefined || !Array.isArray(body.content)) {
    throw new CampaignApiError(call, 'answer has no content array', response.status);
  }
  for (const item of body.content) {
    if (item === null || typeof item !== 'object' || typeof (item as { PKey?: unknown }).PKey !== 'string') {
      throw new CampaignApiError(call, 'a record in content has no PKey', response.status);
    }
  }
  const nextHref = typeof body.next?.href === 'string' ? body.next.href : undefined;
  const countHref = typeof body.count?.href === 'string' ? body.count.href : undefined;
  return { content: body.content as AcsRecord[], nextHref, countHref };
}
