import { convertToCampaign } from '../../../src/sync/ingress';
import { type CampaignField } from '../../../src/sync/ingress';

const text = (length?: number, dataPolicy?: 'email'): CampaignField => ({
  name: 'f',
  type: 'string',
  ...(length ? { length } : {}),
  ...(dataPolicy ? { dataPolicy } : {}),
});
const of = (type: CampaignField['type'], values?: string[]): CampaignField => ({
  name: 'f',
  type,
  ...(values ? { values } : {}),
});

describe('convertToCampaign', () => {
  it.each<[string, unknown, CampaignField, unknown]>([
    ['text stays text', 'Ada', text(30), 'Ada'],
    ['a number becomes text', 42, text(), '42'],
    ['a boolean becomes text', true, text(), 'true'],
    ['text at the length limit', 'x'.repeat(30), text(30), 'x'.repeat(30)],
    ['an empty email is allowed (clears)', '', text(128, 'email'), ''],
    ['a valid email', 'ada@example.com', text(128, 'email'), 'ada@example.com'],
    ['null clears a text field', null, text(30), null],
    ['undefined clears a field', undefined, of('integer'), null],
    ['an integer', 7, of('integer'), 7],
    ['a numeric string to integer', '12', of('integer'), 12],
    ['a boolean to integer', true, of('integer'), 1],
    ['int32 max', 2_147_483_647, of('integer'), 2_147_483_647],
    ['int32 min', -2_147_483_648, of('integer'), -2_147_483_648],
    ['a decimal to float', 12.5, of('float'), 12.5],
    ['a money string to double', '1999.99', of('double'), 1999.99],
    ['an integer to double', 3, of('double'), 3],
    ['true', true, of('boolean'), true],
    ['false', false, of('boolean'), false],
    ['1 to boolean', 1, of('boolean'), true],
    ['0 to boolean', 0, of('boolean'), false],
    ['"yes" to boolean', 'Yes', of('boolean'), true],
    ['"false" to boolean', 'false', of('boolean'), false],
    ['a DateOnly to date', '1980-05-17', of('date'), '1980-05-17'],
    ['a UTC DateTime to date (UTC day)', '2016-09-28T22:57:53Z', of('date'), '2016-09-28'],
    ['an offset DateTime to date (UTC day)', '2016-09-28T23:30:00-02:00', of('date'), '2016-09-29'],
    ['a DateTime to datetime', '2016-09-28T22:57:53Z', of('datetime'), '2016-09-28 22:57:53.000Z'],
    ['a DateTime with ms to datetime', '2016-09-28T22:57:53.123Z', of('datetime'), '2016-09-28 22:57:53.123Z'],
    ['a DateOnly to datetime (midnight UTC)', '1980-05-17', of('datetime'), '1980-05-17 00:00:00.000Z'],
    ['a leap day', '2024-02-29', of('date'), '2024-02-29'],
    ['an enumeration name', 'male', of('enumeration', ['male', 'female', 'unknown']), 'male'],
    ['a numeric enumeration value', 2, of('enumeration', ['1', '2']), '2'],
  ])('%s', (_name, value, field, expected) => {
    expect(convertToCampaign(value, field)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, unknown, CampaignField, string]>([
    ['text over the limit', 'x'.repeat(31), text(30), 'f: 31 characters, Campaign allows 30'],
    ['an object to text', { a: 1 }, text(), 'f: a structured value cannot be written to a text field'],
    ['an invalid email', 'ada@', text(128, 'email'), 'f: not a valid email address'],
    ['an email with a blank', 'ada lovelace@example.com', text(128, 'email'), 'f: not a valid email address'],
    ['text to integer', 'twelve', of('integer'), 'f: not a number'],
    ['blank text to integer', '  ', of('integer'), 'f: not a number'],
    ['a fraction to integer', 12.5, of('integer'), 'f: not a whole number'],
    ['over int32', 2_147_483_648, of('integer'), 'f: out of the 32-bit integer range'],
    ['under int32', -2_147_483_649, of('integer'), 'f: out of the 32-bit integer range'],
    ['text to float', 'n/a', of('float'), 'f: not a number'],
    ['infinity to double', Infinity, of('double'), 'f: not a number'],
    ['2 to boolean', 2, of('boolean'), 'f: not a boolean'],
    ['"maybe" to boolean', 'maybe', of('boolean'), 'f: not a boolean'],
    ['an impossible date', '2023-02-30', of('date'), 'f: not a valid date'],
    ['an impossible UTC datetime', '2023-02-30T10:00:00Z', of('datetime'), 'f: not a valid date'],
    ['a US-style date', '05/17/1980', of('date'), 'f: not a valid date'],
    ['a number to date', 19800517, of('date'), 'f: not a valid date'],
    ['a datetime without zone', '2016-09-28T22:57:53', of('datetime'), 'f: not a valid date'],
    [
      'an unknown enumeration value',
      'other',
      of('enumeration', ['male', 'female']),
      "f: not one of the enumeration's values (male, female)",
    ],
  ])('refuses %s', (_name, value, field, reason) => {
    expect(convertToCampaign(value, field)).toEqual({ ok: false, reason });
  });

  it('never puts the value in a reason', () => {
    const result = convertToCampaign('secret.person@', text(128, 'email'));
    expect(JSON.stringify(result)).not.toContain('secret.person');
  });
});
