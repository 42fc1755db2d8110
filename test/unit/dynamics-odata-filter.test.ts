import { compileFilter } from '../../src/sandbox/dynamics/odata-filter';
import { buildSchema, type TableDefinition } from '../../src/sandbox/dynamics';

const contact = buildSchema().find((t) => t.logicalName === 'contact') as TableDefinition;
const row = {
  firstname: 'Ada',
  lastname: "O'Bryan",
  statecode: 0,
  donotemail: true,
  emailaddress1: null,
  modifiedon: '2024-03-01T10:00:00Z',
  birthdate: '1980-05-17',
};

function matches(filter: string): boolean {
  return compileFilter(filter, contact)(row);
}

describe('simulator $filter', () => {
  it.each([
    ["firstname eq 'ada'", true],
    ["lastname eq 'O''Bryan'", true],
    ["firstname ne 'Ada'", false],
    ['statecode eq 0 and donotemail eq true', true],
    ['statecode eq 1 or donotemail eq false', false],
    ["not (firstname eq 'Ada')", false],
    ["statecode eq 1 or (donotemail eq true and firstname eq 'ADA')", true],
    ["contains(lastname,'bry')", true],
    ["startswith(lastname,'o''b')", true],
    ["endswith(firstname,'x')", false],
    ['emailaddress1 eq null', true],
    ['emailaddress1 ne null', false],
    ['modifiedon gt 2024-01-01T00:00:00Z', true],
    ['modifiedon le 2024-03-01T09:59:59Z', false],
    ['birthdate ge 1980-05-17', true],
    ['statecode lt 1', true],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ["nosuch eq 'x'", /Could not find a property named 'nosuch'/],
    ["firstname eq 'unterminated", /unterminated string/],
    ["firstname 'x'", /expected a comparison operator/],
    ["(firstname eq 'x'", /unexpected end of \$filter/],
    ["firstname eq 'x' extra", /Syntax error/],
  ])('rejects %s', (filter, message) => {
    expect(() => compileFilter(filter, contact)).toThrow(message);
  });
});
