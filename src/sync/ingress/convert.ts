import { scalarText } from '../scalar';
import { formatAcsDate, formatAcsDateTime } from '../acs-dates';
import { parseD365Date } from './d365-dates';
import { type CampaignField, type CampaignValue, type Converted } from './types';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
// Deliberately simple: Campaign's email data policy refuses what has no local part, no domain or blanks.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const ok = (value: CampaignValue): Converted => ({ ok: true, value });
const fail = (reason: string): Converted => ({ ok: false, reason });

/**
 * Converts a D365 value (already read, replaced and picklist-resolved) to what the Campaign field accepts.
 * `null` and `undefined` clear the field. Reasons name the field and the rule, never the value.
 */
export function convertToCampaign(value: unknown, field: CampaignField): Converted {
  if (value === null || value === undefined) return ok(null);
  switch (field.type) {
    case 'string':
      return toText(value, field);
    case 'integer':
      return toInteger(value, field);
    case 'float':
    case 'double':
      return toNumber(value, field);
    case 'boolean':
      return toBoolean(value, field);
    case 'date':
      return toDate(value, field, formatAcsDate);
    case 'datetime':
      return toDate(value, field, formatAcsDateTime);
    case 'enumeration':
      return toEnumeration(value, field);
  }
}

function toText(value: unknown, field: CampaignField): Converted {
  const text = scalarText(value);
  if (text === undefined) return fail(`${field.name}: a structured value cannot be written to a text field`);
  if (field.length !== undefined && text.length > field.length) {
    return fail(`${field.name}: ${text.length} characters, Campaign allows ${field.length}`);
  }
  if (field.dataPolicy === 'email' && text !== '' && !EMAIL.test(text)) {
    return fail(`${field.name}: not a valid email address`);
  }
  return ok(text);
}

function toInteger(value: unknown, field: CampaignField): Converted {
  const number = numberFrom(value);
  if (number === undefined) return fail(`${field.name}: not a number`);
  if (!Number.isInteger(number)) return fail(`${field.name}: not a whole number`);
  if (number < INT32_MIN || number > INT32_MAX) return fail(`${field.name}: out of the 32-bit integer range`);
  return ok(number);
}

function toNumber(value: unknown, field: CampaignField): Converted {
  const number = numberFrom(value);
  return number === undefined || !Number.isFinite(number) ? fail(`${field.name}: not a number`) : ok(number);
}

function numberFrom(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

function toBoolean(value: unknown, field: CampaignField): Converted {
  if (typeof value === 'boolean') return ok(value);
  if (value === 1 || value === 0) return ok(value === 1);
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(text)) return ok(true);
    if (['false', '0', 'no'].includes(text)) return ok(false);
  }
  return fail(`${field.name}: not a boolean`);
}

function toDate(value: unknown, field: CampaignField, format: (date: Date) => string): Converted {
  const date = typeof value === 'string' ? parseD365Date(value) : undefined;
  return date ? ok(format(date)) : fail(`${field.name}: not a valid date`);
}

function toEnumeration(value: unknown, field: CampaignField): Converted {
  const text = scalarText(value);
  if (text === undefined || !(field.values ?? []).includes(text)) {
    return fail(`${field.name}: not one of the enumeration's values (${(field.values ?? []).join(', ')})`);
  }
  return ok(text);
}
