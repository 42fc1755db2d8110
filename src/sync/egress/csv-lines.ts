/** One CSV record, the file line it starts on and where it starts in the file. */
export interface NumberedRecord {
  /** 1-based; the header is line 1. */
  line: number;
  /** Byte offset of the record's first byte: reading from here, as line `line`, yields this record and the rest. */
  start: number;
  fields: string[];
}

/** Where the stream starts in its file: a previous record's `start` and `line`. @default the file's start */
export interface CsvPosition {
  byte: number;
  line: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Reads RFC 4180 CSV records from a byte stream, one at a time (constant memory), each with the line it starts on and
 * its byte offset: quoted fields with `""` for a quote, LF or CRLF line ends, a UTF-8 byte-order mark skipped. Blank
 * lines are skipped but counted, so line numbers match what an editor shows. A file that ends inside a quoted field
 * yields its last record with `unterminated` set.
 *
 * Works on bytes: the CSV delimiters are ASCII, which never occurs inside a multi-byte UTF-8 character, so offsets are
 * exact whatever the text holds; each field is decoded on its own (an invalid byte becomes U+FFFD).
 */
export async function* numberedCsvRecords(
  source: AsyncIterable<Buffer | string>,
  from: CsvPosition = { byte: 0, line: 1 }
): AsyncGenerator<NumberedRecord & { unterminated?: true }> {
  let fields: string[] = [];
  /** Bytes of the current field from earlier chunks, or from before a dropped quote or CR. */
  let parts: Buffer[] = [];
  let quoted = false;
  let afterQuote = false;
  let started = false;
  let line = from.line;
  let startLine = from.line;
  let startByte = from.byte;
  /** Offset of the current chunk's first byte in the file. */
  let offset = from.byte;
  let head: Buffer | undefined = from.byte === 0 ? Buffer.alloc(0) : undefined;

  const endField = (): void => {
    fields.push(parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts).toString('utf8'));
    parts = [];
  };
  const take = (): NumberedRecord => {
    endField();
    const record = { line: startLine, start: startByte, fields };
    fields = [];
    afterQuote = false;
    started = false;
    return record;
  };

  /** Parses one chunk; returns the records it completes. */
  const consume = (chunk: Buffer): NumberedRecord[] => {
    const complete: NumberedRecord[] = [];
    /** Start of the run of field bytes in this chunk not yet copied to `parts`. */
    let run = 0;
    const cut = (end: number): void => {
      if (end > run) parts.push(chunk.subarray(run, end));
    };
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (!started && !quoted) {
        startLine = line;
        startByte = offset + i;
      }
      if (byte === LF) line += 1;
      if (quoted) {
        if (byte === QUOTE) {
          cut(i);
          run = i + 1;
          quoted = false;
          afterQuote = true;
        }
      } else if (byte === QUOTE) {
        // A quote right after a closing quote is an escaped quote: it stays in the field.
        if (!afterQuote) {
          cut(i);
          run = i + 1;
        }
        quoted = true;
        started = true;
      } else if (byte === COMMA) {
        cut(i);
        run = i + 1;
        endField();
        afterQuote = false;
        started = true;
      } else if (byte === LF || byte === CR) {
        cut(i);
        run = i + 1;
        if (byte === LF && started) complete.push(take());
      } else {
        afterQuote = false;
        started = true;
      }
    }
    cut(chunk.length);
    offset += chunk.length;
    return complete;
  };

  for await (const data of source) {
    let chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (head) {
      // The byte-order mark is looked for in the first three bytes, however the stream cuts them.
      head = Buffer.concat([head, chunk]);
      if (head.length < BOM.length && BOM.subarray(0, head.length).equals(head)) continue;
      chunk = head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
      offset += head.length - chunk.length;
      head = undefined;
    }
    yield* consume(chunk);
  }
  // A stream shorter than a byte-order mark that starts like one.
  if (head) yield* consume(head);
  if (quoted) yield { ...take(), unterminated: true };
  else if (started) yield take();
}
