/** A D365 answer to one write of an event's activity or task: status, Dataverse error code and message. */
export interface D365Refusal {
  status: number;
  code: string;
  message: string;
}

/** Dataverse's "does not exist" code: a row (e.g. the regarding contact) is missing, the table is there. */
const ROW_DOES_NOT_EXIST = '0x80040217';
/** Answers that say D365 cannot take any event's write: a table, column, relationship or key is missing. */
const MISSING_SCHEMA = [
  /^Resource not found for the segment/i,
  /^The property '[^']*' does not exist on type/i,
  /^An undeclared property/i,
  /^The key in the request URI is not valid/i,
];

/**
 * Whether a refusal is about the system rather than the record: authentication or privileges (401, 403), a table,
 * column, relationship, alternate key or owner missing (any 404 but a missing contact, 400 naming a missing property
 * or key), throttling or a server error. Such a refusal fails the call, so that the file stays where it is and the next pass
 * resumes it after the fix; any other refusal is the record's (a bad value, an unknown contact) and goes to the
 * rejects report.
 */
export function isSystemicRefusal(refusal: D365Refusal): boolean {
  const { status, code, message } = refusal;
  if (status === 401 || status === 403 || status === 429 || status >= 500) return true;
  // The one row an event may lack is its contact; a missing owner (systemuser) fails every event alike.
  if (status === 404) return !(code === ROW_DOES_NOT_EXIST && /^contact\b/i.test(message.trim()));
  if (status === 400) return MISSING_SCHEMA.some((pattern) => pattern.test(message.trim()));
  return false;
}

/**
 * A D365 message fit for a report, a log or workflow history: quoted texts and ids masked (a message may quote a
 * value), except in the answers about a missing table, column or key, whose quotes are names of the schema.
 */
export function reportableMessage(message: string): string {
  if (MISSING_SCHEMA.some((pattern) => pattern.test(message.trim()))) return message;
  return message.replace(/'[^']*'/g, "'…'").replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, '…');
}
