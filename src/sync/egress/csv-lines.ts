import { StringDecoder } from 'node:string_decoder';

/** One CSV record and the file line it starts on (1-based; the header is line 1). */
export interface NumberedRecord {
  line: number;
  fields: string[];
}

/**
 * Reads RFC 4180 CSV records from a byte stream, one at a time (constant memory), each with the line it starts on:
 * quoted fields with `""` for a quote, LF or CRLF line ends, a UTF-8 byte-order mark skipped. Blank lines are skipped
 * but counted, so line numbers match what an editor shows. A file that ends inside a quoted field yields its last
 * record with `unterminated` set.
 */
export async function* numberedCsvRecords(
  source: AsyncIterable<Buffer | string>
): AsyncGenerator<NumberedRecord & { unterminated?: true }> {
  const decoder = new StringDecoder('utf8');
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let started = false;
  let first = true;
  let line = 1;
  let startLine = 1;
  const take = (): NumberedRecord => {
    fields.push(field);
    const record = { line: startLine, fields };
    fields = [];
    field = '';
    afterQuote = false;
    started = false;
    return record;
  };
  for await (const chunk of source) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const complete: NumberedRecord[] = [];
    for (const char of text) {
      if (!started && !quoted) startLine = line;
      if (char === '\n') line += 1;
      if (quoted) {
        if (char === '"') {
          quoted = false;
          afterQuote = true;
        } else field += char;
      } else if (char === '"') {
        // A quote right after a closing quote is an escaped quote.
        if (afterQuote) field += '"';
        quoted = true;
        started = true;
      } else if (char === ',') {
        fields.push(field);
        field = '';
        afterQuote = false;
        started = true;
      } else if (char === '\n') {
        if (started) complete.push(take());
      } else if (char !== '\r') {
        field += char;
        afterQuote = false;
        started = true;
      }
    }
    yield* complete;
  }
  field += decoder.end();
  if (quoted) yield { ...take(), unterminated: true };
  else if (started || field !== '') yield take();
}
