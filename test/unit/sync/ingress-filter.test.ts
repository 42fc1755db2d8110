import { rowPassesFilter, type D365Column, type FilterRule, type RowFilter } from '../../../src/sync/ingress';

const columns: Record<string, D365Column> = {
  statecode: { logicalName: 'statecode', type: 'State' },
  firstname: { logicalName: 'firstname', type: 'String' },
  donotemail: { logicalName: 'donotemail', type: 'Boolean' },
  creditlimit: { logicalName: 'creditlimit', type: 'Money' },
  birthdate: { logicalName: 'birthdate', type: 'DateTime', dateOnly: true },
  modifiedon: { logicalName: 'modifiedon', type: 'DateTime' },
  parentcustomerid: { logicalName: 'parentcustomerid', type: 'Customer' },
};

const row = {
  statecode: 0,
  firstname: 'Ada',
  donotemail: false,
  creditlimit: 1500.5,
  birthdate: '1980-05-17',
  modifiedon: '2026-01-02T10:00:00Z',
  _parentcustomerid_value: 'a0b1c2d3-0000-0000-0000-000000000001',
  lastname: null,
};

const rule = (field: string, op: FilterRule['op'], value?: string | number | boolean): FilterRule => ({
  column: columns[field] ?? { logicalName: field, type: 'String' },
  op,
  ...(value !== undefined ? { value } : {}),
});

describe('rowPassesFilter, one rule', () => {
  it.each<[FilterRule, boolean]>([
    [rule('statecode', 'eq', 0), true],
    [rule('statecode', 'eq', '0'), true],
    [rule('statecode', 'eq', 1), false],
    [rule('statecode', 'ne', 1), true],
    [rule('statecode', 'ne', 0), false],
    [rule('creditlimit', 'gt', 1000), true],
    [rule('creditlimit', 'gt', 1500.5), false],
    [rule('creditlimit', 'ge', 1500.5), true],
    [rule('creditlimit', 'lt', 1500.5), false],
    [rule('creditlimit', 'le', 1500.5), true],
    [rule('creditlimit', 'lt', 'lots'), false],
    [rule('firstname', 'eq', 'ada'), true],
    [rule('firstname', 'eq', 'Bob'), false],
    [rule('firstname', 'gt', 'Aaron'), true],
    [rule('firstname', 'lt', 'aaron'), false],
    [rule('firstname', 'contains', 'D'), true],
    [rule('firstname', 'contains', 'x'), false],
    [rule('firstname', 'startswith', 'ad'), true],
    [rule('firstname', 'startswith', 'da'), false],
    [rule('firstname', 'endswith', 'DA'), true],
    [rule('firstname', 'endswith', 'ad'), false],
    [rule('donotemail', 'eq', false), true],
    [rule('donotemail', 'eq', 'false'), true],
    [rule('donotemail', 'eq', true), false],
    [rule('donotemail', 'ne', true), true],
    [rule('birthdate', 'lt', '1990-01-01'), true],
    [rule('birthdate', 'ge', '1980-05-17'), true],
    [rule('birthdate', 'gt', '1980-05-17'), false],
    [rule('modifiedon', 'gt', '2026-01-02T09:59:59Z'), true],
    [rule('modifiedon', 'le', '2026-01-02T11:00:00+02:00'), false],
    [rule('modifiedon', 'eq', 'yesterday'), false],
    [rule('parentcustomerid', 'eq', 'A0B1C2D3-0000-0000-0000-000000000001'), true],
    [rule('parentcustomerid', 'notnull'), true],
    [rule('lastname', 'null'), true],
    [rule('lastname', 'notnull'), false],
    [rule('nickname', 'null'), true],
    [rule('lastname', 'eq', 'Lovelace'), false],
    [rule('lastname', 'ne', 'Lovelace'), true],
    [rule('lastname', 'contains', 'a'), false],
    [rule('lastname', 'gt', 'a'), false],
    [rule('firstname', 'null'), false],
  ])('%o → %s', (filterRule, expected) => {
    expect(rowPassesFilter(row, { match: 'all', rules: [filterRule] })).toBe(expected);
  });
});

describe('rowPassesFilter, combining rules', () => {
  const yes = rule('statecode', 'eq', 0);
  const no = rule('statecode', 'eq', 1);
  it.each<[string, RowFilter | undefined, boolean]>([
    ['no filter', undefined, true],
    ['no rules', { match: 'all', rules: [] }, true],
    ['all: true and true', { match: 'all', rules: [yes, yes] }, true],
    ['all: true and false', { match: 'all', rules: [yes, no] }, false],
    ['all: false and false', { match: 'all', rules: [no, no] }, false],
    ['any: true and false', { match: 'any', rules: [no, yes] }, true],
    ['any: false and false', { match: 'any', rules: [no, no] }, false],
    ['any: true and true', { match: 'any', rules: [yes, yes] }, true],
  ])('%s → %s', (_name, filter, expected) => {
    expect(rowPassesFilter(row, filter)).toBe(expected);
  });
});
