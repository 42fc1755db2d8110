import { formatAcsDate, formatAcsDateTime, parseAcsDate } from '../../sync/acs-dates';
import { AcsError, AcsErrorCode } from './acs-error';
import { type FieldSpec } from './resource-model';

/** A stored field value: strings (dates in ACS's text form), numbers, booleans; null = empty. */
export type StoredValue = string | number | boolean | null;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Converts a JSON value to the stored form of the field, or throws an ACS-style validation error. */
export function valueFromJson(resource: string, field: string, spec: FieldSpec, value: unknown): StoredValue {
  if (value === null || value === '') return spec.type === 'boolean' ? false : null;
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string' && typeof value !== 'number') throw invalid(resource, field, 'a string');
      return checkString(resource, field, spec, String(value));
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(resource, field, 'a boolean');
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(resource, field, 'an integer');
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(resource, field, 'a number');
      return value;
    case 'date':
    case 'datetime': {
      const date = typeof value === 'string' ? parseAcsDate(value) : undefined;
      if (!date) throw invalid(resource, field, "a date ('YYYY-MM-DD HH:MM:SS.mmmZ')");
      return spec.type === 'date' ? formatAcsDate(date) : formatAcsDateTime(date);
    }
    case 'enumeration':
      if (typeof value !== 'string' || !(spec.values ?? []).includes(value)) {
        throw new AcsError(
          400,
          AcsErrorCode.invalidConstant,
          `'${typeof value === 'string' ? value : JSON.stringify(value)}' is not a valid constant for '${field}'`
        );
      }
      return value;
  }
}

/** Converts CSV text to the stored form of the field; an empty cell clears the field. */
export function valueFromText(resource: string, field: string, spec: FieldSpec, text: string): StoredValue {
  if (text === '') return spec.type === 'boolean' ? false : null;
  switch (spec.type) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      throw invalid(resource, field, 'a boolean (true/false/1/0)');
    }
    case 'integer':
    case 'number': {
      const number = Number(text);
      if (!Number.isFinite(number) || (spec.type === 'integer' && !Number.isInteger(number))) {
        throw invalid(resource, field, spec.type === 'integer' ? 'an integer' : 'a number');
      }
      return number;
    }
    default:
      return valueFromJson(resource, field, spec, text);
  }
}

/** The JSON value ACS shows for a stored value: empty strings and dates as `""`, numbers 0, booleans false. */
export function valueToJson(spec: FieldSpec, value: StoredValue | undefined): unknown {
  if (value !== null && value !== undefined) return value;
  if (spec.type === 'boolean') return false;
  if (spec.type === 'integer' || spec.type === 'number') return 0;
  return '';
}

function checkString(resource: string, field: string, spec: FieldSpec, text: string): string {
  if (spec.maxLength !== undefined && text.length > spec.maxLength) {
    throw new AcsError(
      400,
      AcsErrorCode.invalidValue,
      `The value of '${field}' is too long for the '${resource}' resource (${text.length} characters, at most ${spec.maxLength}).`
    );
  }
  if (spec.email && !EMAIL.test(text)) {
    throw new AcsError(400, AcsErrorCode.invalidValue, `The value of '${field}' is not a valid email address.`);
  }
  return text;
}

function invalid(resource: string, field: string, expected: string): AcsError {
  return new AcsError(
    400,
    AcsErrorCode.invalidValue,
    `The value of '${field}' must be ${expected} for the '${resource}' resource.`
  );
}
