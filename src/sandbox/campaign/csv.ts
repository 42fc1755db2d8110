import { StringDecoder } from 'node:string_decoder';

/**
 * Parses RFC 4180 CSV (double-quoted fields, `""` for a quote, CRLF or LF) from a byte stream, one record at a time,
 * so a file of any size is read in constant memory. A UTF-8 byte-order mark is skipped.
 */
export async function* parseCsv(source: AsyncIterable<Buffer | string>, separator = ','): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let quoteSeen = false;
  let first = true;
  let pendingCr = false;
  for await (const chunk of source) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const records: string[][] = [];
    for (const char of text) {
      if (quoted) {
        if (char === '"') {
          quoted = false;
          quoteSeen = true;
        } else field += char;
        continue;
      }
      if (pendingCr && char !== '\n') field += '\r';
      pendingCr = false;
      if (char === '"') {
        if (quoteSeen) field += '"';
        quoted = true;
        quoteSeen = false;
      } else if (char === separator) {
        record.push(field);
        field = '';
        quoteSeen = false;
      } else if (char === '\n') {
        record.push(field);
        records.push(record);
        record = [];
        field = '';
        quoteSeen = false;
      } else if (char === '\r') {
        pendingCr = true;
      } else {
        field += char;
        quoteSeen = false;
      }
    }
    yield* records;
  }
  field += decoder.end();
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    yield record;
  }
}

/** One CSV line (with LF): fields that contain the separator, a quote, CR or LF are quoted. */
export function csvLine(values: ReadonlyArray<string | number | boolean | null | undefined>, separator = ','): string {
  return (
    values
      .map((value) => {
        const text = value === null || value === undefined ? '' : String(value);
        return /[",\r\n]/.test(text) || text.includes(separator) ? `"${text.replace(/"/g, '""')}"` : text;
      })
      .join(separator) + '\n'
  );
}
