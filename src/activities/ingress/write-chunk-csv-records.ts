import { StringDecoder } from 'node:string_decoder';

/**
 * Reads RFC 4180 CSV records from a byte stream, one at a time (constant memory): quoted fields with `""` for a
 * quote, LF or CRLF line ends, a UTF-8 byte-order mark skipped, blank lines skipped.
 */
export async function* csvRecords(source: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let started = false;
  let first = true;
  const endField = (): void => {
    record.push(field);
    field = '';
    afterQuote = false;
  };
  const endRecord = (): string[] | undefined => {
    if (!started) return undefined;
    endField();
    const done = record;
    record = [];
    started = false;
    return done;
  };
  for await (const chunk of source) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const complete: string[][] = [];
    for (const char of text) {
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
        endField();
        started = true;
      } else if (char === '\n') {
        const done = endRecord();
        if (done) complete.push(done);
      } else if (char !== '\r') {
        field += char;
        afterQuote = false;
        started = true;
      }
    }
    yield* complete;
  }
  const last = endRecord();
  if (last) yield last;
}
