/** One CSV record, the file line it starts on and where it starts in the file. */
export interface NumberedRecord {
  /** 1-based; the header is line 1. */
  line: number;
  /** Byte offset of the record's first byte: reading from here, as line `line`, yields this record and the rest. */
  start: number;
  /** Empty when the record is malformed: its text may be anything, so it is not passed on. */
  fields: string[];
  /** Why the record cannot be read (a stray quote, a wrong field count, a cut quoted field); absent when it can. */
  malformed?: string;
}

/** Where the stream starts in its file: a previous record's `start` and `line`. @default the file's start */
export interface CsvPosition {
  byte: number;
  line: number;
}

export interface CsvReadOptions {
  /** The header's field count; a record with another count is malformed. @default the first record's, from byte 0 */
  fieldCount?: number;
  /** A record (all its lines) over this many bytes is malformed and its bytes are not kept. @default 1 MiB */
  maxRecordBytes?: number;
  /** A quoted field may span at most this many lines. @default 100 */
  maxRecordLines?: number;
}

export const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_RECORD_LINES = 100;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** One line of the file, without its line end; `bytes` empty when the line was too long to keep. */
interface PhysicalLine {
  line: number;
  start: number;
  bytes: Buffer;
  tooLong: boolean;
}

/**
 * Reads RFC 4180 CSV records from a byte stream, one at a time (bounded memory), each with the line it starts on and
 * its byte offset: quoted fields with `""` for a quote, LF or CRLF line ends, a UTF-8 byte-order mark skipped. Blank
 * lines are skipped but counted, so line numbers match what an editor shows.
 *
 * A malformed record is yielded with its reason and without fields, and reading resumes at the next record: a quote
 * inside an unquoted field or text after a closing quote spoils that line only; a record with another field count
 * than the header, one that ends the file inside a quoted field, or one over the size or line limit gives up its first
 * line and reading starts again on the line after it, so a stray opening quote never swallows the records behind it.
 * A quoted field may span lines, but not over a line that is a whole record by itself.
 *
 * Works on bytes: the CSV delimiters are ASCII, which never occurs inside a multi-byte UTF-8 character, so offsets are
 * exact whatever the text holds; each field is decoded on its own (an invalid byte becomes U+FFFD).
 */
export async function* numberedCsvRecords(
  source: AsyncIterable<Buffer | string>,
  from: CsvPosition = { byte: 0, line: 1 },
  options: CsvReadOptions = {}
): AsyncGenerator<NumberedRecord> {
  const maxBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const maxLines = options.maxRecordLines ?? MAX_RECORD_LINES;
  let fieldCount = options.fieldCount;
  const lines = new LineSplitter(from, maxBytes);
  /** Lines of the record being assembled; given back to {@link queue} when it turns out malformed. */
  let pending: PhysicalLine[] = [];
  let pendingBytes = 0;
  const queue: PhysicalLine[] = [];

  const giveUp = (reason: string): NumberedRecord => {
    const [first, ...rest] = pending;
    queue.unshift(...rest);
    pending = [];
    pendingBytes = 0;
    return { line: first!.line, start: first!.start, fields: [], malformed: reason };
  };

  /** Feeds one line to the record being assembled; returns a record when one is complete. */
  const take = (next: PhysicalLine): NumberedRecord | undefined => {
    if (pending.length === 0 && !next.tooLong && isBlank(next.bytes)) return undefined;
    pending.push(next);
    pendingBytes += next.bytes.length + 1;
    if (next.tooLong || pendingBytes > maxBytes) return giveUp(`the record is over ${maxBytes} bytes`);
    if (pending.length > maxLines) return giveUp(`a quoted field spans over ${maxLines} lines`);
    // A line inside a quoted field that is a whole record by itself: the quote before it is a stray one.
    if (pending.length > 1 && fieldCount !== undefined && isWholeRecord(next.bytes, fieldCount)) {
      return giveUp(STRAY_QUOTE);
    }
    const parsed = parseRecord(pending.map((each) => each.bytes));
    if (parsed.open) return undefined;
    if (parsed.malformed) return giveUp(parsed.malformed);
    fieldCount ??= from.byte === 0 ? parsed.fields.length : undefined;
    if (fieldCount !== undefined && parsed.fields.length !== fieldCount) {
      return giveUp(`the record has ${parsed.fields.length} fields, the header has ${fieldCount}`);
    }
    const [first] = pending;
    pending = [];
    pendingBytes = 0;
    return { line: first!.line, start: first!.start, fields: parsed.fields };
  };

  function* drain(): Generator<NumberedRecord> {
    while (queue.length > 0) {
      const record = take(queue.shift()!);
      if (record) yield record;
    }
  }

  for await (const data of source) {
    for (const line of lines.push(typeof data === 'string' ? Buffer.from(data) : data)) {
      queue.push(line);
      yield* drain();
    }
  }
  for (const line of lines.end()) queue.push(line);
  yield* drain();
  while (pending.length > 0) {
    yield giveUp('the file ends inside a quoted field');
    yield* drain();
  }
}

const STRAY_QUOTE = 'a quote opens a field that is not closed on its line';

function isWholeRecord(bytes: Buffer, fieldCount: number): boolean {
  const alone = parseRecord([bytes]);
  return !alone.open && !alone.malformed && alone.fields.length === fieldCount;
}

function isBlank(bytes: Buffer): boolean {
  return bytes.length === 0 || (bytes.length === 1 && bytes[0] === CR);
}

/** Cuts a byte stream into lines, keeping at most `maxBytes` of each (a longer line is marked, its bytes dropped). */
class LineSplitter {
  private line: number;
  private offset: number;
  private lineStart: number;
  private parts: Buffer[] = [];
  private kept = 0;
  private tooLong = false;
  private head: Buffer | undefined;

  constructor(
    from: CsvPosition,
    private readonly maxBytes: number
  ) {
    this.line = from.line;
    this.offset = from.byte;
    this.lineStart = from.byte;
    this.head = from.byte === 0 ? Buffer.alloc(0) : undefined;
  }

  push(data: Buffer): PhysicalLine[] {
    let chunk = data;
    if (this.head) {
      // The byte-order mark is looked for in the first three bytes, however the stream cuts them.
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < BOM.length && BOM.subarray(0, this.head.length).equals(this.head)) return [];
      chunk = this.head.subarray(0, BOM.length).equals(BOM) ? this.head.subarray(BOM.length) : this.head;
      this.offset += this.head.length - chunk.length;
      this.lineStart = this.offset;
      this.head = undefined;
    }
    return this.split(chunk);
  }

  /** The last line, if the stream does not end with a line end (or is shorter than a byte-order mark). */
  end(): PhysicalLine[] {
    const out = this.head ? this.split(this.head) : [];
    this.head = undefined;
    if (this.kept > 0 || this.tooLong) out.push(this.cut(this.offset));
    return out;
  }

  private split(chunk: Buffer): PhysicalLine[] {
    const out: PhysicalLine[] = [];
    let from = 0;
    for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, from)) {
      this.keep(chunk.subarray(from, at));
      out.push(this.cut(this.offset + at + 1));
      from = at + 1;
    }
    this.keep(chunk.subarray(from));
    this.offset += chunk.length;
    return out;
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0 || this.tooLong) return;
    if (this.kept + bytes.length > this.maxBytes) {
      this.tooLong = true;
      this.parts = [];
      return;
    }
    this.parts.push(bytes);
    this.kept += bytes.length;
  }

  private cut(nextStart: number): PhysicalLine {
    const line: PhysicalLine = {
      line: this.line,
      start: this.lineStart,
      bytes: this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts),
      tooLong: this.tooLong,
    };
    this.line += 1;
    this.lineStart = nextStart;
    this.parts = [];
    this.kept = 0;
    this.tooLong = false;
    return line;
  }
}

/** The fields of a record made of these lines; `open` when a quoted field goes on past the last one. */
function parseRecord(lines: readonly Buffer[]): { fields: string[]; open?: true; malformed?: string } {
  const fields: string[] = [];
  let parts: Buffer[] = [];
  let quoted = false;
  let afterQuote = false;
  let fieldStart = true;
  let malformed: string | undefined;
  const endField = (): void => {
    fields.push(parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8'));
    parts = [];
    fieldStart = true;
    afterQuote = false;
  };
  for (const [index, bytes] of lines.entries()) {
    if (index > 0) parts.push(Buffer.from([LF])); // only a quoted field goes on over a line end
    let run = 0;
    const cut = (end: number): void => {
      if (end > run) parts.push(bytes.subarray(run, end));
    };
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (quoted) {
        if (byte === QUOTE) {
          cut(i);
          run = i + 1;
          quoted = false;
          afterQuote = true;
        }
      } else if (byte === QUOTE) {
        cut(i);
        run = i + 1;
        if (afterQuote) {
          // `""` inside a quoted field: one quote, and the field goes on.
          parts.push(Buffer.from([QUOTE]));
          quoted = true;
          afterQuote = false;
        } else if (fieldStart) {
          quoted = true;
          fieldStart = false;
        } else {
          malformed ??= 'a quote inside an unquoted field';
        }
      } else if (byte === COMMA) {
        cut(i);
        run = i + 1;
        endField();
      } else if (byte === CR) {
        cut(i);
        run = i + 1;
      } else {
        if (afterQuote) malformed ??= 'text after the closing quote of a field';
        fieldStart = false;
      }
    }
    cut(bytes.length);
  }
  if (quoted) return { fields: [], open: true };
  endField();
  return malformed ? { fields: [], malformed } : { fields };
}
