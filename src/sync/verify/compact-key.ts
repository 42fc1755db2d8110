const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Starts every key that is not a lower-case D365 id: a packed id holds character codes below 256 only. */
const OTHER = '\u0100';

/**
 * A key as verify keeps it in memory: a lower-case D365 id packed into 16 one-byte characters (32 bytes in V8 instead
 * of 56), anything else as it is behind a marker. {@link expandKey} gives the key back.
 */
export function compactKey(key: string): string {
  if (!GUID.test(key)) return OTHER + key;
  const hex = key.replace(/-/g, '');
  const codes = new Array<number>(16);
  for (let i = 0; i < 16; i++) codes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return String.fromCharCode(...codes);
}

export function expandKey(compact: string): string {
  if (compact.startsWith(OTHER)) return compact.slice(1);
  let hex = '';
  for (let i = 0; i < compact.length; i++) hex += compact.charCodeAt(i).toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
