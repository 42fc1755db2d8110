import { DynamicsMalformedResponseError } from './errors';
import { entityPath, idFromEntityUri, redactPath, type RowKey } from './paths';
import { type Row } from './reads';
import { type RawResponse } from './transport';
import { type WebApiHttp } from './web-api-http';

/** Result of a create or upsert. */
export interface WriteResult {
  /** The row's id, when Dataverse's answer names it (always for creates; for upserts by GUID). */
  id?: string;
  /** The `OData-EntityId` URI. */
  entityId?: string;
  /** The row, when `returnRepresentation` was asked. */
  row?: Row;
  /** For upserts with `returnRepresentation`: whether the row was created (201) rather than updated (200). */
  created?: boolean;
}

export interface WriteOptions {
  /** Ask for the written row back (`Prefer: return=representation`). @default false */
  returnRepresentation?: boolean;
  /** Columns of the returned row. */
  select?: string[];
}

/** How a PATCH by key behaves when the row exists or not. */
export type UpsertMode = 'upsert' | 'create-only' | 'update-only';

function header(response: RawResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Creates, updates, upserts and deletes single rows. */
export class Writer {
  constructor(
    private readonly http: WebApiHttp,
    private readonly serviceRoot: string
  ) {}

  /**
   * POST a new row. Not resent after a 5xx or a dropped connection unless `idempotent` (the body carries the
   * row's id, so a resend cannot create a duplicate).
   */
  async create(
    entitySet: string,
    values: Row,
    options: WriteOptions & { idempotent?: boolean } = {}
  ): Promise<WriteResult> {
    const url = this.url(entitySet, options);
    const response = await this.http.request('POST', url, {
      body: JSON.stringify(values),
      headers: this.prefer(options),
      idempotent: options.idempotent ?? false,
    });
    return this.result('POST', url, response, options);
  }

  /** PATCH an existing row (`If-Match: *`, so a missing row is a 404, never a create). `etag` enables optimistic concurrency. */
  async update(
    entitySet: string,
    key: RowKey,
    values: Row,
    options: WriteOptions & { etag?: string } = {}
  ): Promise<WriteResult> {
    return this.patch(entitySet, key, values, { ...options, ifMatch: options.etag ?? '*' });
  }

  /** PATCH by GUID or alternate key: creates or updates (`mode` restricts to one of them). */
  async upsert(
    entitySet: string,
    key: RowKey,
    values: Row,
    options: WriteOptions & { mode?: UpsertMode } = {}
  ): Promise<WriteResult> {
    const mode = options.mode ?? 'upsert';
    return this.patch(entitySet, key, values, {
      ...options,
      ifMatch: mode === 'update-only' ? '*' : undefined,
      ifNoneMatch: mode === 'create-only' ? '*' : undefined,
    });
  }

  /** DELETE a row; `etag` makes it conditional. */
  async delete(entitySet: string, key: RowKey, options: { etag?: string } = {}): Promise<void> {
    await this.http.request('DELETE', `${this.serviceRoot}${entityPath(entitySet, key)}`, {
      headers: options.etag ? { 'If-Match': options.etag } : {},
    });
  }

  private async patch(
    entitySet: string,
    key: RowKey,
    values: Row,
    options: WriteOptions & { ifMatch?: string; ifNoneMatch?: string }
  ): Promise<WriteResult> {
    const url = this.url(entityPath(entitySet, key), options);
    const headers = this.prefer(options);
    if (options.ifMatch) headers['If-Match'] = options.ifMatch;
    if (options.ifNoneMatch) headers['If-None-Match'] = options.ifNoneMatch;
    const response = await this.http.request('PATCH', url, { body: JSON.stringify(values), headers });
    const result = this.result('PATCH', url, response, options);
    if (typeof key === 'string') result.id = result.id ?? key.toLowerCase();
    return result;
  }

  private url(path: string, options: WriteOptions): string {
    const select =
      options.returnRepresentation && options.select ? `?$select=${encodeURIComponent(options.select.join(','))}` : '';
    return `${this.serviceRoot}${path}${select}`;
  }

  private prefer(options: WriteOptions): Record<string, string> {
    return options.returnRepresentation ? { Prefer: 'return=representation' } : {};
  }

  private result(method: string, url: string, response: RawResponse, options: WriteOptions): WriteResult {
    const entityId = header(response, 'odata-entityid');
    if (!options.returnRepresentation || response.status === 204) return { id: idFromEntityUri(entityId), entityId };
    const call = { method, path: redactPath(url), status: response.status };
    let row: Row;
    try {
      row = JSON.parse(response.body.toString('utf8')) as Row;
    } catch {
      throw new DynamicsMalformedResponseError(
        call,
        `representation is not valid JSON (${response.body.length} bytes)`
      );
    }
    return { row, entityId, created: response.status === 201 };
  }
}
