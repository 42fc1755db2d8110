import { parseAcsDate } from '../acs-dates';
import { type CampaignFieldType } from '../ingress/types';

/** A Campaign field verify compares: its name and type (the type decides what "equal" means). */
export interface ComparedField {
  name: string;
  type: CampaignFieldType;
}

/**
 * One value in a canonical text, so that a value as the ingress mapping writes it and as Campaign answers it give the
 * same text when the writer would see no change: empty, null and absent are one; dates are moments; numbers are
 * numbers; booleans are booleans. Never more lenient than the writer's own comparison (`changedFields`): a record
 * whose digests differ is re-read and judged by that comparison, so a digest only has to never hide a difference.
 */
export function canonicalValue(value: unknown, type: CampaignFieldType): string {
  if (value === undefined || value === null || value === '') return '∅';
  if ((type === 'date' || type === 'datetime') && typeof value === 'string') {
    const moment = parseAcsDate(value);
    if (moment) return `d${moment.getTime()}`;
  }
  if (type === 'integer' || type === 'float' || type === 'double') {
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (!Number.isNaN(number)) return `n${number}`;
  }
  if (type === 'boolean') {
    if (value === true || value === 'true' || value === 1 || value === '1') return 'b1';
    if (value === false || value === 'false' || value === 0 || value === '0') return 'b0';
  }
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `s${String(value)}`;
  // A structured value (a link) is not compared by digest: a fixed text keeps the digest stable.
  return 'o';
}

/** The record's digest over the compared fields: 32-bit FNV-1a of each field's name and canonical value. */
export function recordDigest(values: Readonly<Record<string, unknown>>, fields: readonly ComparedField[]): number {
  let hash = FNV_OFFSET;
  for (const field of fields) {
    hash = fnv1a(`${field.name}\u0001${canonicalValue(values[field.name], field.type)}\u0002`, hash);
  }
  return hash;
}

const FNV_OFFSET = 0x811c9dc5;

/** 32-bit FNV-1a over the UTF-16 code units of `text`, continuing from `hash`. */
export function fnv1a(text: string, hash = FNV_OFFSET): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
