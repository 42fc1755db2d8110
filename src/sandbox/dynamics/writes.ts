import { type Database } from './database';
import { Errors } from './errors';
import { contextUrl, etagOf, parseSelect, serializeRow } from './format';
import { emptyResponse, jsonResponse, type SimResponse } from './http-types';
import { isGuid, type RowKey } from './keys';
import { type ReadContext } from './query';
import { valuesForCreate, valuesForUpdate, valuesFromBody } from './row-values';
import { type StoredRow, type TableStore } from './table-store';

/** A write request: the read context plus the parsed JSON body. */
export interface WriteContext extends ReadContext {
  db: Database;
  body: unknown;
}

function entityUri(context: WriteContext, store: TableStore, keyText: string): string {
  return `${context.baseUrl}${store.definition.entitySetName}(${keyText})`;
}

/** 201/200 with the row when `return=representation` was asked, else 204 with `OData-EntityId`. */
function writeResponse(
  context: WriteContext,
  store: TableStore,
  row: StoredRow,
  created: boolean,
  keyText: string
): SimResponse {
  const uri = entityUri(context, store, keyText);
  if (!context.preferences.returnRepresentation) return emptyResponse(204, { 'OData-EntityId': uri });
  const table = store.definition;
  const select = parseSelect(context.params.get('$select'), table);
  return jsonResponse(
    created ? 201 : 200,
    {
      '@odata.context': contextUrl(context.baseUrl, table, select, '/$entity'),
      ...serializeRow(table, row, select, context.preferences),
    },
    { ETag: etagOf(row), 'Preference-Applied': 'return=representation' }
  );
}

function find(store: TableStore, key: RowKey): StoredRow | undefined {
  return key.kind === 'id' ? store.get(key.id) : store.findByKey(key.values);
}

function checkIfMatch(context: WriteContext, row: StoredRow | undefined, store: TableStore, keyText: string): void {
  const ifMatch = context.headers['if-match'];
  if (ifMatch === undefined) return;
  if (!row) throw Errors.notFound(store.definition.logicalName, keyText);
  if (ifMatch !== '*' && ifMatch !== etagOf(row)) throw Errors.versionMismatch();
}

/** POST `<set>`: create; the body may carry the primary key. */
export function createRow(context: WriteContext, store: TableStore): SimResponse {
  const table = store.definition;
  const values = valuesFromBody(context.db, table, context.body);
  const requestedId = values[table.primaryIdAttribute];
  const id = typeof requestedId === 'string' ? requestedId : context.db.newId();
  if (store.get(id)) throw Errors.duplicateKey();
  for (const key of table.alternateKeys) {
    const keyValues = Object.fromEntries(key.map((c) => [c, values[c] ?? null]));
    if (key.every((c) => values[c] != null) && store.findByKey(keyValues)) throw Errors.duplicateKey();
  }
  const row = store.insert(id, valuesForCreate(table, values));
  return writeResponse(context, store, row, true, row.id);
}

/** PATCH `<set>(<key>)`: update, or create when absent (upsert), honouring If-Match / If-None-Match. */
export function patchRow(context: WriteContext, store: TableStore, key: RowKey, keyText: string): SimResponse {
  const table = store.definition;
  const existing = find(store, key);
  checkIfMatch(context, existing, store, keyText);
  if (context.headers['if-none-match'] === '*' && existing) throw Errors.duplicateKey();
  const values = valuesFromBody(context.db, table, context.body);
  if (existing) {
    // Key columns in the body are ignored on update (the documented upsert rule).
    if (key.kind === 'alternate') for (const column of Object.keys(key.values)) delete values[column];
    delete values[table.primaryIdAttribute];
    const row = store.update(existing, valuesForUpdate(table, existing, values));
    return writeResponse(context, store, row, false, keyText);
  }
  const keyValues = key.kind === 'id' ? { [table.primaryIdAttribute]: key.id } : key.values;
  const merged = { ...keyValues, ...values };
  const requestedId = merged[table.primaryIdAttribute];
  const id = typeof requestedId === 'string' && isGuid(requestedId) ? requestedId : context.db.newId();
  const row = store.insert(id, valuesForCreate(table, merged));
  return writeResponse(context, store, row, true, keyText);
}

/** DELETE `<set>(<key>)`. */
export function deleteRow(context: WriteContext, store: TableStore, key: RowKey, keyText: string): SimResponse {
  const existing = find(store, key);
  checkIfMatch(context, existing, store, keyText);
  if (!existing) throw Errors.notFound(store.definition.logicalName, keyText);
  store.delete(existing);
  return emptyResponse(204);
}
