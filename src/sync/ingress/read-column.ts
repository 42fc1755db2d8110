import { type D365Column, type D365Row } from './types';

const FORMATTED_VALUE = '@OData.Community.Display.V1.FormattedValue';
const LOOKUP_TYPES = new Set(['Lookup', 'Customer', 'Owner']);
const CHOICE_TYPES = new Set(['Picklist', 'State', 'Status']);

/** The Web API name of a column: lookups come back as `_<name>_value`. */
export function webApiColumnName(column: D365Column): string {
  return LOOKUP_TYPES.has(column.type) ? `_${column.logicalName}_value` : column.logicalName;
}

export function isChoiceColumn(column: D365Column): boolean {
  return CHOICE_TYPES.has(column.type);
}

/** A column's raw value in a row (`undefined` when the row does not carry it). */
export function readColumn(row: D365Row, column: D365Column): unknown {
  return row[webApiColumnName(column)];
}

/**
 * The display label of a choice value: the formatted value D365 sent with the row (when the read asked for
 * annotations), else the label from the column's metadata.
 */
export function choiceLabel(row: D365Row, column: D365Column): string | undefined {
  const formatted = row[`${webApiColumnName(column)}${FORMATTED_VALUE}`];
  if (typeof formatted === 'string') return formatted;
  const value = readColumn(row, column);
  return typeof value === 'number' ? column.options?.[value] : undefined;
}
