/** A row key: its GUID, or the column values of an alternate key. */
export type RowKey = string | Record<string, string | number | boolean>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function keyValue(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  if (GUID.test(value)) return value;
  return `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
}

/** `contacts(<guid>)` or `contacts(emailaddress1='a%40b.com')`. */
export function entityPath(entitySet: string, key: RowKey): string {
  if (typeof key === 'string') {
    if (!GUID.test(key)) throw new TypeError(`Row key of ${entitySet} must be a GUID or alternate-key columns`);
    return `${entitySet}(${key})`;
  }
  const parts = Object.entries(key).map(([column, value]) => `${column}=${keyValue(value)}`);
  if (parts.length === 0) throw new TypeError(`Alternate key of ${entitySet} has no columns`);
  return `${entitySet}(${parts.join(',')})`;
}

/**
 * The path of a URL fit for error messages and logs: no query string (filters and delta tokens may hold
 * personal data), and key values other than GUIDs masked.
 */
export function redactPath(url: string): string {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    pathname = url.split('?')[0] ?? '';
  }
  return pathname.replace(/\(([^)]*)\)/g, (whole, inner: string) => (GUID.test(inner) ? whole : '(…)'));
}

/** Builds a query string from OData options, skipping undefined ones. */
export function queryString(options: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(options)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** The id inside the last parentheses of an `OData-EntityId` URI, when it is a GUID. */
export function idFromEntityUri(uri: string | undefined): string | undefined {
  const match = /\(([0-9a-f-]{36})\)$/i.exec(uri ?? '');
  return match?.[1]?.toLowerCase();
}
