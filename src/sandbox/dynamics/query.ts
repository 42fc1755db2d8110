import { Errors } from './errors';
import { contextUrl, etagOf, parseSelect, serializeRow } from './format';
import { emptyResponse, jsonResponse, type SimResponse } from './http-types';
import { compareValues, compileFilter, type RowPredicate } from './odata-filter';
import { decodeSkipToken, encodeSkipToken } from './paging-cookie';
import { MAX_PAGE_SIZE, type Preferences, wantsAnnotation } from './prefer';
import { type ColumnDefinition, type TableDefinition, type Value } from './schema';
import { type StoredRow, type TableStore } from './table-store';

/** What every read handler needs from the request. */
export interface ReadContext {
  baseUrl: string;
  params: URLSearchParams;
  preferences: Preferences;
  headers: Record<string, string>;
}

interface OrderKey {
  column: ColumnDefinition;
  descending: boolean;
}

/** Position after the last row of a page: the row number, plus the sort values when `$orderby` is used. */
interface PagePosition {
  r: number;
  k?: Value[];
}

const SUPPORTED_OPTIONS = new Set(['$select', '$filter', '$orderby', '$top', '$count', '$skiptoken', '$deltatoken']);

/** Rejects query options the Web API (or this simulator) does not support. */
export function checkQueryOptions(params: URLSearchParams): void {
  for (const name of params.keys()) {
    if (name === '$skip') throw Errors.badRequest('The query parameter $skip is not supported.');
    if (name.startsWith('$') && !SUPPORTED_OPTIONS.has(name)) {
      throw Errors.badRequest(`The query parameter ${name} is not supported by this simulator.`);
    }
  }
}

function parseOrderBy(orderby: string | null, table: TableDefinition): OrderKey[] {
  if (!orderby) return [];
  return orderby.split(',').map((part) => {
    const [name = '', direction = 'asc'] = part.trim().split(/\s+/);
    const column = table.columns.find((c) => c.name === name);
    if (!column) {
      throw Errors.badRequest(
        `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${table.logicalName}'.`
      );
    }
    if (direction !== 'asc' && direction !== 'desc')
      throw Errors.badRequest(`Invalid $orderby direction '${direction}'.`);
    return { column, descending: direction === 'desc' };
  });
}

function parseTop(value: string | null): number | undefined {
  if (value === null) return undefined;
  const top = Number(value);
  if (!Number.isInteger(top) || top < 0) throw Errors.badRequest(`Invalid value '${value}' for $top.`);
  return top;
}

function predicateOf(params: URLSearchParams, table: TableDefinition): RowPredicate {
  const filter = params.get('$filter');
  return filter ? compileFilter(filter, table) : () => true;
}

function compareRows(a: StoredRow, b: StoredRow, keys: OrderKey[]): number {
  for (const key of keys) {
    const order = compareValues(a.values[key.column.name] ?? null, b.values[key.column.name] ?? null, key.column);
    if (order !== 0) return key.descending ? -order : order;
  }
  return a.rowNumber - b.rowNumber;
}

/** Builds a next link from the request's own options plus a new `$skiptoken`. */
export function nextLinkOf(baseUrl: string, entitySet: string, params: URLSearchParams, skipToken: string): string {
  const kept = [...params.entries()].filter(([name]) => name !== '$skiptoken');
  const query = [...kept, ['$skiptoken', skipToken]].map(([k, v]) => `${k}=${encodeURIComponent(v ?? '')}`).join('&');
  return `${baseUrl}${entitySet}?${query}`;
}

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * The rows a filter can match, in row order after `afterRow`. A filter of `<primary id> eq <guid>` clauses joined by
 * `or` is answered from the primary key, as Dataverse's index would, instead of scanning the table (a walk that checks
 * which of 50 ids still exist otherwise scanned every row, 50 at a time).
 */
function candidateRows(store: TableStore, filter: string | null, afterRow: number): Iterable<StoredRow> {
  const id = store.definition.primaryIdAttribute;
  const byKey = new RegExp(`^\\s*${id} eq (${GUID})(\\s+or\\s+${id} eq (${GUID}))*\\s*$`, 'i');
  if (filter === null || !byKey.test(filter)) return store.scan(afterRow);
  const ids = [...filter.matchAll(new RegExp(GUID, 'gi'))].map((match) => match[0].toLowerCase());
  return [...new Set(ids)]
    .map((key) => store.get(key))
    .filter((row): row is StoredRow => row !== undefined && row.rowNumber > afterRow)
    .sort((a, b) => a.rowNumber - b.rowNumber);
}

function countMatches(store: TableStore, predicate: RowPredicate): number {
  let count = 0;
  for (const row of store.scan()) if (predicate(row.values)) count++;
  return count;
}

/** GET on an entity set without change tracking: filter, order, page, count. */
export function readCollection(store: TableStore, context: ReadContext): SimResponse {
  const table = store.definition;
  const { params, preferences } = context;
  checkQueryOptions(params);
  const select = parseSelect(params.get('$select'), table);
  const predicate = predicateOf(params, table);
  const orderBy = parseOrderBy(params.get('$orderby'), table);
  const top = parseTop(params.get('$top'));
  // The documented rule: with odata.maxpagesize, $top is ignored; $top alone caps the result (no next link).
  const cappedByTop = preferences.maxPageSize === undefined && top !== undefined;
  const pageSize = Math.min(preferences.maxPageSize ?? top ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const skipToken = params.get('$skiptoken');
  const decoded = skipToken === null ? undefined : decodeSkipToken<PagePosition>(skipToken);
  if (skipToken !== null && !decoded) throw Errors.badRequest('The $skiptoken value is not valid.');
  const after = decoded?.position;

  const page: StoredRow[] = [];
  let more = false;
  if (orderBy.length === 0) {
    for (const row of candidateRows(store, params.get('$filter'), after?.r ?? -1)) {
      if (!predicate(row.values)) continue;
      if (page.length === pageSize) {
        more = true;
        break;
      }
      page.push(row);
    }
  } else {
    const matches: StoredRow[] = [];
    for (const row of store.scan()) if (predicate(row.values)) matches.push(row);
    matches.sort((a, b) => compareRows(a, b, orderBy));
    const cursor = after
      ? ({
          rowNumber: after.r,
          values: Object.fromEntries(orderBy.map((k, i) => [k.column.name, after.k?.[i] ?? null])),
        } as StoredRow)
      : undefined;
    const start = cursor ? matches.findIndex((row) => compareRows(row, cursor, orderBy) > 0) : 0;
    const rest = start < 0 ? [] : matches.slice(start);
    page.push(...rest.slice(0, pageSize));
    more = rest.length > pageSize;
  }
  if (cappedByTop) more = false;

  const body: Record<string, unknown> = { '@odata.context': contextUrl(context.baseUrl, table, select) };
  const applied: string[] = [];
  if (preferences.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${pageSize}`);
  if (preferences.includeAnnotations !== undefined)
    applied.push(`odata.include-annotations="${preferences.includeAnnotations}"`);
  const counted = params.get('$count') === 'true' ? countMatches(store, predicate) : undefined;
  if (counted !== undefined) body['@odata.count'] = Math.min(counted, MAX_PAGE_SIZE);
  if (wantsAnnotation(preferences, 'Microsoft.Dynamics.CRM.totalrecordcount')) {
    body['@Microsoft.Dynamics.CRM.totalrecordcount'] = counted === undefined ? -1 : Math.min(counted, MAX_PAGE_SIZE);
    body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = counted !== undefined && counted > MAX_PAGE_SIZE;
  }
  body.value = page.map((row) => serializeRow(table, row, select, preferences));
  const last = page[page.length - 1];
  if (more && last) {
    const position: PagePosition = { r: last.rowNumber };
    if (orderBy.length > 0) position.k = orderBy.map((k) => last.values[k.column.name] ?? null);
    const token = encodeSkipToken((decoded?.pageNumber ?? 1) + 1, position, false);
    body['@odata.nextLink'] = nextLinkOf(context.baseUrl, table.entitySetName, params, token);
  }
  return jsonResponse(200, body, applied.length > 0 ? { 'Preference-Applied': applied.join(',') } : {});
}

/** GET `<set>/$count`: the number of rows as text/plain (capped at 5,000 like `$count`). */
export function countCollection(store: TableStore, context: ReadContext): SimResponse {
  checkQueryOptions(context.params);
  const count = countMatches(store, predicateOf(context.params, store.definition));
  return {
    status: 200,
    headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' },
    body: String(Math.min(count, MAX_PAGE_SIZE)),
  };
}

/** GET of one row; `If-None-Match` with its current etag answers 304. */
export function readRow(store: TableStore, row: StoredRow, context: ReadContext): SimResponse {
  const table = store.definition;
  checkQueryOptions(context.params);
  const select = parseSelect(context.params.get('$select'), table);
  const etag = etagOf(row);
  if (context.headers['if-none-match'] === etag) return emptyResponse(304, { ETag: etag });
  return jsonResponse(
    200,
    {
      '@odata.context': contextUrl(context.baseUrl, table, select, '/$entity'),
      ...serializeRow(table, row, select, context.preferences),
    },
    { ETag: etag }
  );
}
