/** A Web API request as the simulator sees it, whether it came over the socket or out of a `$batch`. */
export interface SimRequest {
  method: string;
  /** The resource path after `/api/data/v9.2/`, still percent-encoded (e.g. `contacts(emailaddress1='a%40b.com')`). */
  path: string;
  /** The raw query string without the leading `?`. */
  query: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** A Web API response before it is written to the socket or into a `$batch` answer. */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Rows a collection answer holds (what the cost model charges a read for). */
  rows?: number;
}

export const ODATA_JSON = 'application/json; odata.metadata=minimal';

/** A JSON answer with the OData headers every Web API response carries. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  const rows = (body as { value?: unknown } | null)?.value;
  return {
    status,
    headers: { 'Content-Type': ODATA_JSON, 'OData-Version': '4.0', ...headers },
    body: JSON.stringify(body),
    ...(Array.isArray(rows) ? { rows: rows.length } : {}),
  };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'OData-Version': '4.0', ...headers }, body: '' };
}
