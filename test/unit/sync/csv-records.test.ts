import { Readable } from 'node:stream';
import { numberedCsvRecords, type CsvReadOptions, type NumberedRecord } from '../../../src/sync/csv-records';

async function records(
  text: string | Buffer[],
  from?: { byte: number; line: number },
  options?: CsvReadOptions
): Promise<NumberedRecord[]> {
  const out = [];
  const chunks = typeof text === 'string' ? [Buffer.from(text)] : text;
  for await (const item of numberedCsvRecords(Readable.from(chunks), from, options)) out.push(item);
  return out;
}

/** The same bytes cut into chunks of `size`, so every delimiter and character meets a chunk boundary somewhere. */
function chunked(bytes: Buffer, size: number): Buffer[] {
  const chunks = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

/** Each record as `line: fields` or `line! reason`, to read a table of cases at a glance. */
async function shown(text: string, options?: CsvReadOptions): Promise<string[]> {
  return (await records(text, undefined, options)).map((r) =>
    r.malformed ? `${r.line}! ${r.malformed}` : `${r.line}: ${r.fields.join('|')}`
  );
}

describe('numberedCsvRecords', () => {
  it('numbers records by the line they start on, counting blank lines and quoted line breaks', async () => {
    const text = 'a,b\n\n1,"x\ny"\r\n"q""uote",2\n\n\n3,\n';
    expect(await records(text)).toEqual([
      { line: 1, start: 0, fields: ['a', 'b'] },
      { line: 3, start: 5, fields: ['1', 'x\ny'] },
      { line: 5, start: 14, fields: ['q"uote', '2'] },
      { line: 8, start: 28, fields: ['3', ''] },
    ]);
  });

  it('skips a BOM, reads a last line without line end, and joins multi-byte characters split across chunks', async () => {
    const bytes = Buffer.from('\uFEFFh,i\nÄpfel,ü');
    const split = [bytes.subarray(0, 8), bytes.subarray(8)];
    expect(await records(split)).toEqual([
      { line: 1, start: 3, fields: ['h', 'i'] },
      { line: 2, start: 7, fields: ['Äpfel', 'ü'] },
    ]);
  });

  it('finds a BOM cut across chunks, and keeps a stream shorter than a BOM', async () => {
    const bytes = Buffer.from('\uFEFFh\n');
    expect(await records(chunked(bytes, 1))).toEqual([{ line: 1, start: 3, fields: ['h'] }]);
    expect(await records([Buffer.from([0xef, 0xbb])])).toEqual([{ line: 1, start: 0, fields: ['\uFFFD'] }]);
  });

  it('yields nothing for an empty stream', async () => {
    expect(await records('')).toEqual([]);
  });

  it('decodes an invalid byte as U+FFFD and keeps the offsets after it exact', async () => {
    const bytes = Buffer.concat([Buffer.from('h,i\na'), Buffer.from([0xff]), Buffer.from('b,c\nnext,é\n')]);
    expect(await records([bytes])).toEqual([
      { line: 1, start: 0, fields: ['h', 'i'] },
      { line: 2, start: 4, fields: ['a\uFFFDb', 'c'] },
      { line: 3, start: 10, fields: ['next', 'é'] },
    ]);
  });

  // Record-by-record recovery: a bad record is reported with its line and reason, the good ones around it are read.
  it.each<[string, string, string[]]>([
    [
      'a stray quote inside a field spoils its line only',
      'h,i\n1,ab"c\n2,ok\n',
      ['1: h|i', '2! a quote inside an unquoted field', '3: 2|ok'],
    ],
    [
      'text after a closing quote spoils its line only',
      'h,i\n1,"x"y\n2,ok\n',
      ['1: h|i', '2! text after the closing quote of a field', '3: 2|ok'],
    ],
    [
      'a stray opening quote does not swallow the lines after it',
      'h,i\n1,"oops\n2,ok\n3,ok\n',
      ['1: h|i', '2! a quote opens a field that is not closed on its line', '3: 2|ok', '4: 3|ok'],
    ],
    [
      'a stray opening quote closed by a later stray quote: a whole record inside the quotes gives the first line up',
      'h,i\n1,"oops\n2,ok\n3,x"\n4,ok\n',
      [
        '1: h|i',
        '2! a quote opens a field that is not closed on its line',
        '3: 2|ok',
        '4! a quote inside an unquoted field',
        '5: 4|ok',
      ],
    ],
    [
      'a file cut inside a quoted field: the lines before it are read',
      'h,i\n1,ok\n2,"cut off he',
      ['1: h|i', '2: 1|ok', '3! the file ends inside a quoted field'],
    ],
    [
      'too few and too many fields',
      'h,i\n1\n1,2,3\n4,5\n',
      [
        '1: h|i',
        '2! the record has 1 fields, the header has 2',
        '3! the record has 3 fields, the header has 2',
        '4: 4|5',
      ],
    ],
    ['a legitimate quoted line break stays one record', 'h,i\n1,"x\ny"\n2,z\n', ['1: h|i', '2: 1|x\ny', '4: 2|z']],
  ])('%s', async (_case, text, expected) => {
    expect(await shown(text)).toEqual(expected);
  });

  it('refuses a record over the size limit without keeping its bytes, and reads on at the next line', async () => {
    const long = 'x'.repeat(5_000);
    const text = `h,i\n1,${long}\n2,ok\n3,"${long}\nmore"\n4,ok\n`;
    const got = await records(text, undefined, { maxRecordBytes: 1_000 });
    expect(got.map((r) => [r.line, r.malformed ?? r.fields.join('|')])).toEqual([
      [1, 'h|i'],
      [2, 'the record is over 1000 bytes'],
      [3, '2|ok'],
      [4, 'the record is over 1000 bytes'],
      [5, 'a quote inside an unquoted field'],
      [6, '4|ok'],
    ]);
    expect(got.every((r) => r.fields.join('').length < 100)).toBe(true);
  });

  it('gives up a quoted field that spans more lines than allowed, and reads the lines after its first', async () => {
    const text = `h,i\n1,"open\n${'a\n'.repeat(5)}`;
    expect(await shown(text, { maxRecordLines: 3 })).toEqual([
      '1: h|i',
      '2! a quoted field spans over 3 lines',
      ...[3, 4, 5, 6, 7].map((line) => `${line}! the record has 1 fields, the header has 2`),
    ]);
  });

  it('checks the field count given when reading from the middle of a file', async () => {
    const text = '1,2\n3\n';
    expect(await shown(text, { fieldCount: 2 })).toEqual(['1: 1|2', '2! the record has 1 fields, the header has 2']);
    const resumed = await records('3\n', { byte: 4, line: 2 }, { fieldCount: 2 });
    expect(resumed).toEqual([
      { line: 2, start: 4, fields: [], malformed: 'the record has 1 fields, the header has 2' },
    ]);
  });

  const tricky =
    '\uFEFFid,text\r\n\r\n1,"multi\r\nline ""quoted"" Äpfel"\r\n2,plain ü\n\n\n"3","a,b"\r\n4,"x"y\r\n5,€𝄞\n6,"l""ast\n7,ok';
  it.each([1, 2, 3, 5, 7, 64])(
    'yields the same records whatever the chunk size (%i bytes), also resumed from any record',
    async (size) => {
      const bytes = Buffer.from(tricky);
      const whole = await records([bytes]);
      expect(whole.map((r) => r.malformed ?? r.fields[0])).toEqual([
        'id',
        '1',
        '2',
        '3',
        'text after the closing quote of a field',
        '5',
        'a quote opens a field that is not closed on its line',
        '7',
      ]);
      expect(whole[1]?.fields[1]).toBe('multi\r\nline "quoted" Äpfel');
      expect(whole[5]?.fields[1]).toBe('€𝄞');
      expect(await records(chunked(bytes, size))).toEqual(whole);
      for (const [index, record] of whole.entries()) {
        const rest = chunked(bytes.subarray(record.start), size);
        expect(await records(rest, { byte: record.start, line: record.line }, { fieldCount: 2 })).toEqual(
          whole.slice(index)
        );
      }
    }
  );
});
