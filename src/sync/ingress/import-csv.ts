import { type IngressPlan } from './plan';
import { type CampaignValue } from './types';
import { csvLine } from '../csv-write';

/**
 * The columns of an import file (docs/campaign-files.md §1): the key's Campaign field first, then each mapped
 * field by its Campaign API name, each once.
 */
export function importColumns(plan: IngressPlan): string[] {
  return [...new Set([plan.key.field.name, ...plan.fields.map((planned) => planned.field.name)])];
}

/** The profile field a link column names its profile by: `externalId` holds the D365 contact id. */
export const PROFILE_LINK_FIELD = 'externalId';

/**
 * The header line of an import file, LF-terminated. A field in `profileLinks` links the row to a profile: its column
 * is `<link>.externalId` and its cells hold the contact id. A field of `resourceLinks` links it to a record of another
 * custom resource: its column is `<link>.<that resource's key field>`, its cells the linked row's D365 id
 * (docs/campaign-files.md §1, "Links").
 */
export function importHeader(
  columns: readonly string[],
  profileLinks: readonly string[] = [],
  resourceLinks: readonly { field: string; keyField: string }[] = []
): string {
  return csvLine(
    columns.map((column) => {
      if (profileLinks.includes(column)) return `${column}.${PROFILE_LINK_FIELD}`;
      const link = resourceLinks.find((candidate) => candidate.field === column);
      return link ? `${column}.${link.keyField}` : column;
    })
  );
}

/**
 * One record of an import file, LF-terminated, cells in `columns` order. Values are already in Campaign's form
 * (mapRecord's output: dates as ACS text); `null` or a missing value is an empty cell, which clears the field.
 */
export function encodeImportRow(columns: readonly string[], values: Readonly<Record<string, CampaignValue>>): string {
  return csvLine(columns.map((column) => cellText(values[column])));
}

/** The text of a Campaign value in a CSV cell. */
export function cellText(value: CampaignValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return plainNumber(value);
  return String(value);
}

/**
 * A number in plain decimal notation: Campaign's file loader reads `0.0000001` but not `1e-7`. JavaScript's shortest
 * round-trip digits are kept; only the exponent is expanded.
 */
export function plainNumber(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = '', lead = '', fraction = '', exponentText = '0'] = match;
  const digits = `${lead}${fraction}`;
  const point = 1 + Number(exponentText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
