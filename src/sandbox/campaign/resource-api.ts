import { AcsError, AcsErrorCode } from './acs-error';
import { valueToJson } from './field-values';
import { ListingCursors } from './listing-cursors';
import { type CampaignStore, type ResourceTable, type StoredRecord } from './record-store';
import { type ApiSurface, type ResourceModel } from './resource-model';

export interface ApiAnswer {
  status: number;
  /** JSON body; undefined = empty body (unless `text`). */
  body?: unknown;
  /** A plain-text body instead of JSON. */
  text?: string;
  /** Sent as a `Retry-After` header. */
  retryAfterSeconds?: number;
}

export interface ResourceApiOptions {
  /** `_lineCount` when the client sends none. @default 25 */
  defaultLineCount: number;
  /** Above this many rows in a table, `next` is left out unless `_forcePagination=true` (XtkBigTableThreshold). */
  bigTableThreshold: number;
}

const BUILT_IN_PROFILE_FILTERS = new Set(['byEmail', 'byText']);
const RESERVED_QUERY = new Set(['_lineCount', '_lineStart', '_order', '_forcePagination']);

/** `/profileAndServices`, `/profileAndServicesExt` and `/customResources`: listing, filters, reads and writes. */
export class ResourceApi {
  private readonly cursors = new ListingCursors();

  constructor(
    private readonly store: CampaignStore,
    private readonly baseUrl: () => string,
    private readonly options: ResourceApiOptions
  ) {}

  handle(method: string, api: ApiSurface, segments: string[], query: URLSearchParams, body: unknown): ApiAnswer {
    const [resource, ...rest] = segments;
    if (resource === undefined || resource === '') return this.resourceTypes(api);
    if (resource === 'resourceType' && rest.length === 1) return this.metadata(api, rest[0] ?? '');
    const table = this.store.table(resource);
    if (!table || !table.model.surfaces.includes(api)) {
      throw new AcsError(404, AcsErrorCode.unknownRecord, `The resource '${resource}' does not exist on /${api}.`);
    }
    const counting = rest[rest.length - 1] === '_count';
    const filters = counting ? rest.slice(0, -1) : rest;
    if (filters.length === 0 || filters.every((name) => this.isFilter(table.model, name))) {
      if (method === 'POST' && filters.length === 0 && !counting) return this.create(api, table, body);
      if (method !== 'GET') throw methodNotAllowed(method);
      return counting ? this.count(table, filters, query) : this.list(api, table, filters, query);
    }
    if (resource === 'profile' && rest.length === 2 && rest[1] === 'subscriptions' && method === 'GET') {
      // Subscriptions are not simulated: every profile has none.
      this.findRecord(api, table, rest[0] ?? '');
      return { status: 200, body: { content: [], serverSidePagination: true } };
    }
    if (rest.length !== 1) throw new AcsError(404, AcsErrorCode.unknownRecord, `Unknown path below '${resource}'.`);
    const record = this.findRecord(api, table, rest[0] ?? '');
    if (method === 'GET') return { status: 200, body: this.itemJson(api, table.model, record) };
    if (method === 'PATCH') return this.patch(api, table, record, body);
    if (method === 'DELETE') {
      this.store.remove(table, record.pkey);
      return { status: 200 };
    }
    throw methodNotAllowed(method);
  }

  private create(api: ApiSurface, table: ResourceTable, body: unknown): ApiAnswer {
    const record = this.store.create(table, this.store.changesFromJson(table.model, api, body));
    return { status: 201, body: this.itemJson(api, table.model, record) };
  }

  private patch(api: ApiSurface, table: ResourceTable, record: StoredRecord, body: unknown): ApiAnswer {
    const changes = this.store.changesFromJson(table.model, api, body);
    for (const field of table.model.identificationKey) {
      if (field in changes.values && changes.values[field] !== record.values[field]) {
        throw new AcsError(400, AcsErrorCode.invalidValue, `The identification key '${field}' cannot be changed.`);
      }
    }
    this.store.update(table, record, changes);
    return { status: 200, body: { PKey: record.pkey, href: this.href(api, table.model.name, record.pkey) } };
  }

  private list(api: ApiSurface, table: ResourceTable, filters: string[], query: URLSearchParams): ApiAnswer {
    const lineCount = parseLineCount(query.get('_lineCount'), this.options.defaultLineCount);
    const lineStart = query.get('_lineStart');
    let pkeys: string[];
    let offset = 0;
    if (lineStart !== null) {
      const listing = this.cursors.get(lineStart);
      if (!listing) throw new AcsError(400, AcsErrorCode.invalidConstant, `'${lineStart}' is not a valid constant`);
      ({ pkeys, offset } = listing);
    } else {
      pkeys = this.select(table, filters, query);
    }
    const page = pkeys.slice(offset, offset + lineCount);
    const content = page.flatMap((pkey) => {
      const record = table.get(pkey);
      return record ? [this.itemJson(api, table.model, record)] : [];
    });
    const path = `${this.baseUrl()}/${api}/${table.model.name}${filters.map((f) => `/${f}`).join('')}`;
    const answer: Record<string, unknown> = {
      content,
      count: { href: `${path}/_count${queryText(query, lineCount)}` },
    };
    const forced = query.get('_forcePagination') === 'true';
    const bigTable = table.size > this.options.bigTableThreshold;
    if (offset + lineCount < pkeys.length && (!bigTable || forced)) {
      const next = new URLSearchParams(stripReserved(query));
      next.set('_lineCount', String(lineCount));
      if (forced) next.set('_forcePagination', 'true');
      next.set('_lineStart', this.cursors.create(pkeys, offset + lineCount));
      answer.next = { href: `${path}?${next.toString()}` };
    }
    answer.serverSidePagination = true;
    return { status: 200, body: answer };
  }

  private count(table: ResourceTable, filters: string[], query: URLSearchParams): ApiAnswer {
    return { status: 200, body: { count: this.select(table, filters, query).length } };
  }

  /** PKeys matching every filter, in table order or sorted by `_order`. */
  private select(table: ResourceTable, filters: string[], query: URLSearchParams): string[] {
    let selected: string[] | undefined;
    for (const filter of filters) {
      const matches = this.applyFilter(table, filter, query);
      selected = selected === undefined ? matches : selected.filter((pkey) => matches.includes(pkey));
    }
    const pkeys = selected ?? [...table.values()].map((record) => record.pkey);
    const order = query.get('_order');
    if (order === null || order === '') return pkeys;
    const [field = '', direction] = order.trim().split(/\s+/);
    if (!table.model.fields[field])
      throw new AcsError(400, AcsErrorCode.invalidValue, `'${field}' cannot be used to sort.`);
    const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
    return pkeys
      .map((pkey) => ({ pkey, value: table.get(pkey)?.values[field] ?? null }))
      .sort((a, b) => sign * compareValues(a.value, b.value))
      .map((entry) => entry.pkey);
  }

  private applyFilter(table: ResourceTable, filter: string, query: URLSearchParams): string[] {
    if (table.model.name === 'profile' && filter === 'byEmail')
      return table.findEqual('email', required(query, 'email'));
    if (table.model.name === 'profile' && filter === 'byText') {
      const text = required(query, 'text');
      const filterType = query.get('filterType');
      const fields = filterType ? [filterType] : ['firstName', 'lastName', 'email'];
      return [...table.values()]
        .filter((record) => fields.some((field) => String(record.values[field] ?? '').startsWith(text)))
        .map((record) => record.pkey);
    }
    const parameters = table.model.filters[filter] ?? {};
    let result: string[] | undefined;
    for (const [parameter, field] of Object.entries(parameters)) {
      const matches = table.findEqual(field, required(query, parameter));
      result = result === undefined ? matches : result.filter((pkey) => matches.includes(pkey));
    }
    return result ?? [];
  }

  private isFilter(model: ResourceModel, name: string): boolean {
    return (model.name === 'profile' && BUILT_IN_PROFILE_FILTERS.has(name)) || model.filters[name] !== undefined;
  }

  private findRecord(api: ApiSurface, table: ResourceTable, segment: string): StoredRecord {
    if (segment.startsWith('@')) {
      const record = table.get(segment);
      if (!record)
        throw new AcsError(
          404,
          AcsErrorCode.unknownRecord,
          `No '${table.model.name}' record has the PKey '${segment}'.`
        );
      return record;
    }
    const key = table.model.identificationKey;
    if (api !== 'profileAndServices' && key.length === 1) {
      const [pkey, ...others] = table.findEqual(key[0] ?? '', segment);
      const record = pkey === undefined || others.length > 0 ? undefined : table.get(pkey);
      if (!record) throw new AcsError(404, AcsErrorCode.unknownRecord, `No '${table.model.name}' record has this key.`);
      return record;
    }
    throw new AcsError(500, AcsErrorCode.invalidConstant, `'${segment}' is not a valid constant`);
  }

  private itemJson(api: ApiSurface, model: ResourceModel, record: StoredRecord): Record<string, unknown> {
    const href = this.href(api, model.name, record.pkey);
    const item: Record<string, unknown> = { PKey: record.pkey, href };
    for (const [field, spec] of Object.entries(model.fields)) {
      if (api === 'profileAndServices' && model.extensionFields.has(field)) continue;
      item[field] = valueToJson(spec, record.values[field]);
    }
    for (const [field, link] of Object.entries(model.links)) {
      const target = record.links[field];
      item[field] = target === undefined ? {} : { href: this.href(this.surfaceOf(link.target), link.target, target) };
    }
    if (model.name === 'profile') item.subscriptions = { href: `${href}/subscriptions/` };
    return item;
  }

  /** Where a resource's records are served: `/profileAndServicesExt` when it has that surface. */
  private surfaceOf(resource: string): ApiSurface {
    const surfaces = this.store.table(resource)?.model.surfaces ?? [];
    return surfaces.includes('profileAndServicesExt') ? 'profileAndServicesExt' : 'customResources';
  }

  private href(api: ApiSurface, resource: string, pkey: string): string {
    return `${this.baseUrl()}/${api}/${resource}/${pkey}`;
  }

  private resourceTypes(api: ApiSurface): ApiAnswer {
    const answer: Record<string, unknown> = { apiName: 'resourceType' };
    for (const table of this.store.tables.values()) {
      if (!table.model.surfaces.includes(api)) continue;
      const name = table.model.name;
      answer[name] = {
        data: `/${api}/${name}/`,
        href: `${this.baseUrl()}/${api}/resourceType/${name}`,
        name,
        type: 'collection',
      };
    }
    return { status: 200, body: answer };
  }

  private metadata(api: ApiSurface, resource: string): ApiAnswer {
    const table = this.store.table(resource);
    if (!table || !table.model.surfaces.includes(api)) {
      throw new AcsError(404, AcsErrorCode.unknownRecord, `The resource '${resource}' does not exist on /${api}.`);
    }
    const content: Record<string, unknown> = {};
    for (const [field, spec] of Object.entries(table.model.fields)) {
      if (api === 'profileAndServices' && table.model.extensionFields.has(field)) continue;
      content[field] = {
        apiName: field,
        type: spec.type,
        readOnly: spec.readOnly ?? false,
        ...(spec.maxLength === undefined ? {} : { length: spec.maxLength }),
        ...(spec.email ? { dataPolicy: 'email' } : {}),
        ...(spec.values ? { values: Object.fromEntries(spec.values.map((v) => [v, { label: v, value: v }])) } : {}),
      };
    }
    for (const [field, link] of Object.entries(table.model.links))
      content[field] = { apiName: field, type: 'link', resTarget: link.target };
    return {
      status: 200,
      body: {
        content,
        data: `/${api}/${resource}/`,
        href: `${this.baseUrl()}/${api}/resourceType/${resource}`,
        name: resource,
        label: resource,
        type: 'item',
        readOnly: false,
      },
    };
  }
}

function parseLineCount(text: string | null, fallback: number): number {
  if (text === null) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new AcsError(400, AcsErrorCode.invalidValue, `'_lineCount' must be a positive integer.`);
  }
  return value;
}

function required(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null) throw new AcsError(400, AcsErrorCode.badRequest, `The filter parameter '${name}' is missing.`);
  return value;
}

function stripReserved(query: URLSearchParams): URLSearchParams {
  return new URLSearchParams([...query].filter(([name]) => !RESERVED_QUERY.has(name)));
}

function queryText(query: URLSearchParams, lineCount: number): string {
  const params = stripReserved(query);
  params.set('_lineCount', String(lineCount));
  return `?${params.toString()}`;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;
}

function methodNotAllowed(method: string): AcsError {
  return new AcsError(405, AcsErrorCode.badRequest, `The method ${method} is not allowed here.`);
}
