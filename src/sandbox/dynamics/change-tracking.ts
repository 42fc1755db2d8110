import { type Database } from './database';
import { Errors } from './errors';
import { contextUrl, parseSelect, serializeRow } from './format';
import { jsonResponse, type SimResponse } from './http-types';
import { decodeSkipToken, encodeSkipToken } from './paging-cookie';
import { MAX_PAGE_SIZE } from './prefer';
import { checkQueryOptions, nextLinkOf, type ReadContext } from './query';
import { type ChangeEntry, type TableStore } from './table-store';

/** Position inside a tracked read: `u` = the version the read covers up to; then either a row or a change. */
interface TrackingPosition {
  u: number;
  /** Initial read: last row number served. */
  r?: number;
  /** Delta read: the token's version, the phase (upserts, then deletes) and the last version served. */
  v?: number;
  p?: 'u' | 'd';
  at?: number;
}

const REJECTED_WITH_TRACKING = ['$filter', '$orderby', '$expand', '$top'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `<version>!<MM/dd/yyyy HH:mm:ss>` in UTC, the shape Dataverse's tokens decode to. */
function deltaToken(version: number, nowMs: number): string {
  const d = new Date(nowMs);
  const stamp = `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${version}!${stamp}`;
}

function parseDeltaToken(token: string): { version: number; issuedMs: number } | undefined {
  const match = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(token);
  if (!match) return undefined;
  const [version = 0, month = 1, day = 1, year = 0, hours = 0, minutes = 0, seconds = 0] = match.slice(1).map(Number);
  return {
    version,
    issuedMs: Date.UTC(year, month - 1, day, hours, minutes, seconds),
  };
}

function deltaLinkOf(context: ReadContext, store: TableStore, version: number, nowMs: number): string {
  const select = context.params.get('$select');
  const parts = select ? [`$select=${encodeURIComponent(select)}`] : [];
  parts.push(`$deltatoken=${encodeURIComponent(deltaToken(version, nowMs))}`);
  return `${context.baseUrl}${store.definition.entitySetName}?${parts.join('&')}`;
}

/** Checks a `$deltatoken` and returns the version it stands for, or throws the expired-version error. */
function checkDeltaToken(db: Database, store: TableStore, token: string): number {
  const parsed = parseDeltaToken(token);
  if (!parsed) throw Errors.badRequest('The $deltatoken value is not valid.');
  const retentionMs = db.deltaTokenRetentionDays * 24 * 3600 * 1000;
  if (
    db.clock() - parsed.issuedMs > retentionMs ||
    !db.isDeltaVersionValid(store.definition.entitySetName, parsed.version)
  ) {
    throw Errors.expiredDeltaToken();
  }
  return parsed.version;
}

/** Whether this GET is a change-tracking read (initial, delta, or one of their next pages). */
export function isTrackedRead(context: ReadContext): boolean {
  if (context.preferences.trackChanges || context.params.has('$deltatoken')) return true;
  const token = context.params.get('$skiptoken');
  return token !== null && decodeSkipToken<TrackingPosition>(token)?.position.u !== undefined;
}

/** The rows and tombstones of one delta between versions `v` (exclusive) and `u` (inclusive), from a position. */
function* deltaItems(
  store: TableStore,
  position: TrackingPosition
): Generator<{ entry: ChangeEntry; phase: 'u' | 'd' }> {
  const v = position.v ?? 0;
  if ((position.p ?? 'u') === 'u') {
    for (const entry of store.changes(Math.max(v, position.at ?? v), position.u)) {
      if (store.isLatestUpsert(entry)) yield { entry, phase: 'u' };
    }
  }
  const deletesFrom = position.p === 'd' ? Math.max(v, position.at ?? v) : v;
  for (const entry of store.changes(deletesFrom, position.u)) {
    if (store.isFinalDelete(entry, position.u)) yield { entry, phase: 'd' };
  }
}

/** GET with `Prefer: odata.track-changes` or `$deltatoken`: all rows then a delta link, or the changes since a token. */
export function readTracked(db: Database, store: TableStore, context: ReadContext): SimResponse {
  const table = store.definition;
  const { params, preferences } = context;
  checkQueryOptions(params);
  for (const option of REJECTED_WITH_TRACKING) if (params.has(option)) throw Errors.trackChangesOption(option);
  if (!table.changeTrackingEnabled) throw Errors.trackingNotEnabled(table.logicalName);
  const select = parseSelect(params.get('$select'), table);
  const pageSize = Math.min(preferences.maxPageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const skipToken = params.get('$skiptoken');
  const decoded = skipToken === null ? undefined : decodeSkipToken<TrackingPosition>(skipToken);
  if (skipToken !== null && decoded?.position.u === undefined)
    throw Errors.badRequest('The $skiptoken value is not valid.');
  const token = params.get('$deltatoken');
  const tokenVersion = token === null ? undefined : checkDeltaToken(db, store, token);
  const position: TrackingPosition = decoded?.position ?? { u: store.currentVersion, v: tokenVersion };

  const value: Record<string, unknown>[] = [];
  let next: TrackingPosition | undefined;
  if (position.v === undefined) {
    for (const row of store.scan(position.r ?? -1)) {
      if (value.length === pageSize) {
        next = { u: position.u, r: position.r };
        break;
      }
      value.push(serializeRow(table, row, select, preferences));
      position.r = row.rowNumber;
    }
  } else {
    const deletedContext = `${context.baseUrl}$metadata#${table.entitySetName}/$deletedEntity`;
    for (const { entry, phase } of deltaItems(store, position)) {
      if (value.length === pageSize) {
        next = { ...position };
        break;
      }
      const row = phase === 'u' ? store.get(entry.id) : undefined;
      value.push(
        row
          ? serializeRow(table, row, select, preferences)
          : { '@odata.context': deletedContext, id: entry.id, reason: 'deleted' }
      );
      position.p = phase;
      position.at = entry.version;
    }
  }

  const suffix = position.v === undefined ? '' : '/$delta';
  const body: Record<string, unknown> = { '@odata.context': contextUrl(context.baseUrl, table, select, suffix), value };
  if (next) {
    body['@odata.nextLink'] = nextLinkOf(
      context.baseUrl,
      table.entitySetName,
      params,
      encodeSkipToken((decoded?.pageNumber ?? 1) + 1, next, true)
    );
  } else {
    body['@odata.deltaLink'] = deltaLinkOf(context, store, position.u, db.clock());
  }
  const applied = ['odata.track-changes'];
  if (preferences.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${pageSize}`);
  if (preferences.includeAnnotations !== undefined) {
    applied.push(`odata.include-annotations="${preferences.includeAnnotations}"`);
  }
  return jsonResponse(200, body, { 'Preference-Applied': applied.join(',') });
}

/** GET `<set>/$count?$deltatoken=…`: how many changes a delta read would return now. */
export function countChanges(db: Database, store: TableStore, token: string): SimResponse {
  const version = checkDeltaToken(db, store, token);
  let count = 0;
  for (const _item of deltaItems(store, { u: store.currentVersion, v: version })) count++;
  return { status: 200, headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' }, body: String(count) };
}
