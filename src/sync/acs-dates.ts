/**
 * ACS serialises date-times as `2019-09-25 23:20:35.000Z` (space separator, milliseconds, UTC).
 * Plain dates (e.g. `birthDate`) are `YYYY-MM-DD`.
 */
const ACS_DATE_TIME = /^(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:?\d{2})?$/;
const ACS_DATE = /^(\d{4})[-/](\d{2})[-/](\d{2})$/;

/** Formats a moment as ACS writes date-times: `YYYY-MM-DD HH:mm:ss.SSSZ`, always UTC. */
export function formatAcsDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ');
}

/** Formats a calendar date as ACS writes `date` fields: `YYYY-MM-DD` (UTC calendar day). */
export function formatAcsDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Parses an ACS date or date-time. Accepts `-` or `/` between date parts, a space or `T` before the time,
 * optional milliseconds and an optional zone (no zone means UTC, as ACS writes UTC).
 * @returns the moment, or `undefined` when the text is not an ACS date
 */
export function parseAcsDate(text: string): Date | undefined {
  const dateOnly = ACS_DATE.exec(text);
  if (dateOnly) return validDate(new Date(`${dateOnly[1]}-${dateOnly[2]}-${dateOnly[3]}T00:00:00.000Z`));
  const m = ACS_DATE_TIME.exec(text);
  if (!m) return undefined;
  const millis = (m[7] ?? '0').padEnd(3, '0');
  const zone = m[8] === undefined || m[8] === 'Z' ? 'Z' : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  return validDate(new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${millis}${zone}`));
}

/** True when the text looks like an ACS date or date-time. */
export function isAcsDateText(text: string): boolean {
  return parseAcsDate(text) !== undefined;
}

function validDate(date: Date): Date | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date;
}
