import { scalarText } from '../scalar';
import { readColumn } from './read-column';
import { type D365Column, type D365Row } from './types';

export type FilterOperator =
  'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'contains' | 'startswith' | 'endswith' | 'null' | 'notnull';

export interface FilterRule {
  column: D365Column;
  op: FilterOperator;
  value?: string | number | boolean;
}

export interface RowFilter {
  match: 'all' | 'any';
  rules: readonly FilterRule[];
}

/**
 * True when the row passes the filter. Rules read D365 columns, mapped or not. Like Dataverse's own `$filter`,
 * text comparisons ignore case; dates compare as instants; a null value fails every rule but `null` and `ne`.
 */
export function rowPassesFilter(row: D365Row, filter: RowFilter | undefined): boolean {
  if (!filter || filter.rules.length === 0) return true;
  const results = filter.rules.map((rule) => rulePasses(row, rule));
  return filter.match === 'all' ? results.every(Boolean) : results.some(Boolean);
}

function rulePasses(row: D365Row, rule: FilterRule): boolean {
  const actual = readColumn(row, rule.column);
  const isNull = actual === null || actual === undefined;
  if (rule.op === 'null') return isNull;
  if (rule.op === 'notnull') return !isNull;
  if (isNull) return rule.op === 'ne';
  const comparison = compare(actual, rule.value, rule.column);
  switch (rule.op) {
    case 'eq':
      return comparison === 0;
    case 'ne':
      return comparison !== 0;
    case 'gt':
      return comparison !== undefined && comparison > 0;
    case 'ge':
      return comparison !== undefined && comparison >= 0;
    case 'lt':
      return comparison !== undefined && comparison < 0;
    case 'le':
      return comparison !== undefined && comparison <= 0;
    case 'contains':
      return text(actual).includes(text(rule.value));
    case 'startswith':
      return text(actual).startsWith(text(rule.value));
    case 'endswith':
      return text(actual).endsWith(text(rule.value));
  }
}

/** Negative, zero or positive as `actual` is below, equal to or above `expected`; undefined when not comparable. */
function compare(actual: unknown, expected: unknown, column: D365Column): number | undefined {
  if (column.type === 'DateTime') {
    const a = Date.parse(scalarText(actual) ?? '');
    const b = Date.parse(scalarText(expected) ?? '');
    return Number.isNaN(a) || Number.isNaN(b) ? undefined : a - b;
  }
  if (typeof actual === 'boolean') {
    const b = typeof expected === 'boolean' ? expected : text(expected) === 'true';
    return actual === b ? 0 : 1;
  }
  if (typeof actual === 'number') {
    const b = Number(expected);
    return Number.isNaN(b) ? undefined : actual - b;
  }
  const a = text(actual);
  const b = text(expected);
  return a < b ? -1 : a > b ? 1 : 0;
}

function text(value: unknown): string {
  return (scalarText(value) ?? '').toLowerCase();
}
