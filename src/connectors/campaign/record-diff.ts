import { formatAcsDateTime, parseAcsDate } from '../../sync/acs-dates';
import { type AcsFields, type AcsValue } from './types';

/**
 * The fields of `desired` whose values differ from `existing`, as ACS would store them.
 * Empty string, null and a missing value are the same (ACS answers `""` for empty strings); dates are compared as
 * moments; numbers as numbers; a link `{ PKey }` equals an answer link whose PKey or href ends with that PKey.
 */
export function changedFields(existing: Record<string, unknown>, desired: AcsFields, ignore: string[] = []): AcsFields {
  const changes: AcsFields = {};
  for (const [field, value] of Object.entries(desired)) {
    if (ignore.includes(field)) continue;
    if (!sameValue(existing[field], value)) changes[field] = value;
  }
  return changes;
}

/** A value as it goes into a JSON body: dates in ACS's format. */
export function toWireValue(value: AcsValue): unknown {
  return value instanceof Date ? formatAcsDateTime(value) : value;
}

export function toWireFields(fields: AcsFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, toWireValue(value)]));
}

function sameValue(current: unknown, wanted: AcsValue): boolean {
  if (isEmpty(current) && isEmpty(wanted)) return true;
  if (isEmpty(current) !== isEmpty(wanted)) return false;
  if (wanted instanceof Date)
    return typeof current === 'string' && parseAcsDate(current)?.getTime() === wanted.getTime();
  if (typeof wanted === 'object' && wanted !== null) return sameLink(current, wanted.PKey);
  if (typeof wanted === 'number' || typeof current === 'number') return Number(current) === Number(wanted);
  if (typeof wanted === 'boolean' || typeof current === 'boolean') return asBoolean(current) === asBoolean(wanted);
  if (typeof wanted === 'string' && typeof current === 'string' && current !== wanted) {
    const a = parseAcsDate(current);
    const b = parseAcsDate(wanted);
    return a !== undefined && b !== undefined && a.getTime() === b.getTime();
  }
  return current === wanted;
}

function sameLink(current: unknown, pkey: string): boolean {
  if (current === null || typeof current !== 'object') return false;
  const link = current as { PKey?: unknown; href?: unknown };
  if (link.PKey === pkey) return true;
  return typeof link.href === 'string' && link.href.replace(/\/+$/, '').endsWith(`/${pkey}`);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function asBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 'true' || value === 1 || value === '1') return true;
  if (value === false || value === 'false' || value === 0 || value === '0') return false;
  return undefined;
}
