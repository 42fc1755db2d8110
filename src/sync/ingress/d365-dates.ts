import { formatAcsDate } from '../acs-dates';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses a D365 date: `YYYY-MM-DD` (DateOnly columns, taken as that calendar day) or an ISO 8601 date-time.
 * Returns undefined for anything else, including impossible dates like 2023-02-30.
 */
export function parseD365Date(text: string): Date | undefined {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const date = new Date(Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3])));
    return formatAcsDate(date) === text ? date : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  // JavaScript rolls 2023-02-30 over to March; D365 never sends such a date, so refuse it.
  if (text.endsWith('Z') && date.toISOString().slice(0, 10) !== text.slice(0, 10)) return undefined;
  return date;
}
