import { Errors } from './errors';
import { type Preferences, wantsAnnotation } from './prefer';
import { type ColumnDefinition, type TableDefinition, type Value } from './schema';
import { type StoredRow } from './table-store';

const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
const LOOKUP_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname';

/** Parses and checks `$select` against the table's columns; undefined means every column. */
export function parseSelect(select: string | null, table: TableDefinition): string[] | undefined {
  if (select === null || select.trim() === '') return undefined;
  const names = select.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!table.columns.some((c) => c.name === name)) {
      throw Errors.badRequest(
        `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${table.logicalName}'.`
      );
    }
  }
  return names;
}

export function etagOf(row: StoredRow): string {
  return `W/"${row.version}"`;
}

/** Column definitions by name, per table (serializing is the simulator's hottest path). */
const columnMaps = new WeakMap<TableDefinition, Map<string, ColumnDefinition>>();

function columnsOf(table: TableDefinition): Map<string, ColumnDefinition> {
  let map = columnMaps.get(table);
  if (!map) {
    map = new Map(table.columns.map((c) => [c.name, c]));
    columnMaps.set(table, map);
  }
  return map;
}

/** A row as the Web API returns it: etag first, selected columns, the primary key, requested annotations. */
export function serializeRow(
  table: TableDefinition,
  row: StoredRow,
  select: string[] | undefined,
  preferences: Preferences
): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': etagOf(row) };
  const formatted = wantsAnnotation(preferences, FORMATTED);
  const lookupNames = wantsAnnotation(preferences, LOOKUP_NAME);
  const columns = columnsOf(table);
  const names = select ?? [...columns.keys()];
  for (const name of names) {
    const column = columns.get(name);
    const value: Value = row.values[name] ?? null;
    if (formatted && column?.options && value !== null) {
      const label = column.options[typeof value === 'boolean' ? Number(value) : Number(value)];
      if (label !== undefined) out[`${name}@${FORMATTED}`] = label;
    }
    if (lookupNames && column?.lookup && value !== null) {
      out[`${name}@${LOOKUP_NAME}`] = column.lookup.target.replace(/s$/, '');
    }
    out[name] = value;
  }
  out[table.primaryIdAttribute] = row.id;
  return out;
}

/** `@odata.context` of a collection (or single entity) of `table`, with the selected columns. */
export function contextUrl(baseUrl: string, table: TableDefinition, select: string[] | undefined, suffix = ''): string {
  const projection = select ? `(${select.join(',')})` : '';
  return `${baseUrl}$metadata#${table.entitySetName}${projection}${suffix}`;
}
