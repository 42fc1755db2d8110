import { type Database } from './database';
import { Errors, type WebApiError } from './errors';
import { isGuid, parseKey, parseResourcePath } from './keys';
import { type ColumnDefinition, type TableDefinition, type Value } from './schema';
import { type StoredRow } from './table-store';

const BIND_SUFFIX = '@odata.bind';

function unknownProperty(name: string, table: TableDefinition): WebApiError {
  return Errors.badRequest(
    `The property '${name}' does not exist on type 'Microsoft.Dynamics.CRM.${table.logicalName}'. Make sure to only use property names that are defined by the type.`
  );
}

function typeError(value: unknown, edmType: string): WebApiError {
  return Errors.badRequest(`Cannot convert the literal '${String(value)}' to the expected type '${edmType}'.`);
}

/** Checks one column value against its type, length and options. */
function checkValue(column: ColumnDefinition, value: unknown, table: TableDefinition): Value {
  if (value === null) return null;
  switch (column.type) {
    case 'String':
    case 'Memo':
      if (typeof value !== 'string') throw typeError(value, 'Edm.String');
      if (column.maxLength !== undefined && value.length > column.maxLength) {
        throw Errors.validation(
          `The length of the '${column.name}' attribute of the '${table.logicalName}' entity exceeded the maximum allowed length of '${column.maxLength}'.`
        );
      }
      return value;
    case 'Boolean':
      if (typeof value !== 'boolean') throw typeError(value, 'Edm.Boolean');
      return value;
    case 'Integer':
    case 'Picklist':
    case 'State':
    case 'Status':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(value, 'Edm.Int32');
      if (column.options && column.type === 'Picklist' && column.options[value] === undefined) {
        throw Errors.validation(
          `${value} is not a valid value for the '${column.name}' attribute of '${table.logicalName}'.`
        );
      }
      return value;
    case 'DateOnly':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
        throw typeError(value, 'Edm.Date');
      }
      return value;
    case 'DateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw typeError(value, 'Edm.DateTimeOffset');
      return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
    case 'Uniqueidentifier':
      if (typeof value !== 'string' || !isGuid(value)) throw typeError(value, 'Edm.Guid');
      return value.toLowerCase();
    case 'Lookup':
      throw unknownProperty(column.name, table);
  }
}

/** Resolves an `@odata.bind` target (`/contacts(<id>)`, absolute URL, or a `$n` already replaced) to a row id. */
function resolveBind(db: Database, column: ColumnDefinition, target: unknown, table: TableDefinition): Value {
  if (target === null) return null;
  if (typeof target !== 'string')
    throw Errors.badRequest(`Invalid @odata.bind value for '${column.lookup?.navigationProperty ?? column.name}'.`);
  const path = decodeURIComponent(target.replace(/^.*\/api\/data\/v9\.\d\//, '').replace(/^\//, ''));
  const resource = parseResourcePath(path);
  const lookup = column.lookup;
  if (!resource?.key || !lookup || resource.entitySet !== lookup.target) {
    throw Errors.badRequest(
      `The @odata.bind value '${target}' does not reference a ${lookup?.target ?? 'valid'} record of '${table.logicalName}'.`
    );
  }
  const targetStore = db.table(resource.entitySet);
  if (!targetStore) {
    // Owners (systemusers/teams) are not simulated tables: any id is accepted.
    if (!isGuid(resource.key)) throw Errors.badRequest(`Invalid key in @odata.bind value '${target}'.`);
    return resource.key.toLowerCase();
  }
  const key = parseKey(resource.key, targetStore.definition);
  const row = key.kind === 'id' ? targetStore.get(key.id) : targetStore.findByKey(key.values);
  if (!row) throw Errors.notFound(targetStore.definition.logicalName, key.kind === 'id' ? key.id : resource.key);
  return row.id;
}

/** Column values from a write body: checked, binds resolved, read-only system columns ignored. */
export function valuesFromBody(db: Database, table: TableDefinition, body: unknown): Record<string, Value> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw Errors.badRequest('The request body must be a JSON object.');
  }
  const values: Record<string, Value> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (name.endsWith(BIND_SUFFIX)) {
      const navigation = name.slice(0, -BIND_SUFFIX.length);
      const column = table.columns.find((c) => c.lookup?.navigationProperty === navigation);
      if (!column) throw unknownProperty(navigation, table);
      values[column.name] = resolveBind(db, column, value, table);
      continue;
    }
    if (name.startsWith('@') || name.includes('@')) continue;
    const column = table.columns.find((c) => c.name === name);
    if (!column) throw unknownProperty(name, table);
    if (column.readOnly) continue;
    values[name] = checkValue(column, value, table);
  }
  return values;
}

function stateOf(table: TableDefinition, state: number): TableDefinition['states'][number] {
  const definition = table.states.find((s) => s.state === state);
  if (!definition) throw Errors.validation(`${state} is not a valid state code on ${table.logicalName}.`);
  return definition;
}

/** Applies statecode/statuscode pairing rules; returns the values to store. */
function applyState(table: TableDefinition, values: Record<string, Value>, current: StoredRow | undefined): void {
  const hasState = 'statecode' in values;
  const hasStatus = 'statuscode' in values;
  if (!hasState && !hasStatus) return;
  const state = hasState ? Number(values.statecode) : Number(current?.values.statecode ?? 0);
  const definition = stateOf(table, state);
  if (!hasStatus || values.statuscode === null) {
    values.statuscode = definition.defaultStatus;
    return;
  }
  if (definition.statuses[Number(values.statuscode)] === undefined) {
    throw Errors.validation(
      `${String(values.statuscode)} is not a valid status code for state code ${table.logicalName}State.${definition.label}.`
    );
  }
}

/** Complete values of a new row: defaults, state pairing, computed columns. */
export function valuesForCreate(table: TableDefinition, values: Record<string, Value>): Record<string, Value> {
  if (!table.stateValidForCreate && 'statecode' in values && values.statecode !== 0) {
    throw Errors.badRequest(
      `The 'statecode' attribute of '${table.logicalName}' is not valid for create. Create the record, then update its state.`
    );
  }
  const complete: Record<string, Value> = {};
  for (const column of table.columns) complete[column.name] = column.defaultValue ?? null;
  Object.assign(complete, values);
  applyState(table, complete, undefined);
  if (!('statuscode' in values)) complete.statuscode = stateOf(table, Number(complete.statecode ?? 0)).defaultStatus;
  computeColumns(table, complete);
  return complete;
}

/** Changed values of an update, checking the row is writable in its current state. */
export function valuesForUpdate(
  table: TableDefinition,
  current: StoredRow,
  values: Record<string, Value>
): Record<string, Value> {
  const state = Number(current.values.statecode ?? 0);
  const changesState = 'statecode' in values && !table.readOnlyStates.includes(Number(values.statecode));
  if (table.readOnlyStates.includes(state) && !changesState) throw Errors.readOnlyRecord(table.logicalName);
  const changes = { ...values };
  applyState(table, changes, current);
  computeColumns(table, { ...current.values, ...changes }, changes);
  return changes;
}

/** Computed columns (contact `fullname`), written into `target` from the merged `source`. */
function computeColumns(
  table: TableDefinition,
  source: Record<string, Value>,
  target: Record<string, Value> = source
): void {
  if (table.logicalName !== 'contact') return;
  const full = [source.firstname, source.lastname].filter((v) => typeof v === 'string' && v !== '').join(' ');
  target.fullname = full === '' ? null : full;
}
