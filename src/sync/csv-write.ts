/** Characters that force a CSV field into quotes (RFC 4180). */
const NEEDS_QUOTES = /[",\r\n]/;

/** A field quoted when it holds a separator, a quote, CR or LF; inner quotes doubled (RFC 4180). */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line of already-textual cells, LF-terminated. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\n`;
}
