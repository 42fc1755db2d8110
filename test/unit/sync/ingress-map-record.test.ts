import { type IngressMapping } from '../../../src/config/schema';
import {
  buildIngressPlan,
  mapRecord,
  type CampaignField,
  type D365Column,
  type IngressPlan,
} from '../../../src/sync/ingress';

const contactColumns: D365Column[] = [
  { logicalName: 'contactid', type: 'Uniqueidentifier' },
  { logicalName: 'firstname', type: 'String' },
  { logicalName: 'lastname', type: 'String' },
  { logicalName: 'emailaddress1', type: 'String' },
  { logicalName: 'birthdate', type: 'DateTime', dateOnly: true },
  { logicalName: 'gendercode', type: 'Picklist', options: { 1: 'Male', 2: 'Female' } },
  { logicalName: 'statecode', type: 'State', options: { 0: 'Active', 1: 'Inactive' } },
  { logicalName: 'donotemail', type: 'Boolean' },
  { logicalName: 'creditlimit', type: 'Money' },
  { logicalName: 'parentcustomerid', type: 'Customer' },
  { logicalName: 'modifiedon', type: 'DateTime' },
];
const profileFields: CampaignField[] = [
  { name: 'externalId', type: 'string', length: 100 },
  { name: 'firstName', type: 'string', length: 30 },
  { name: 'lastName', type: 'string', length: 50 },
  { name: 'email', type: 'string', length: 128, dataPolicy: 'email' },
  { name: 'birthDate', type: 'date' },
  { name: 'gender', type: 'enumeration', values: ['unknown', 'male', 'female'] },
  { name: 'genderText', type: 'string', length: 20 },
  { name: 'genderCode', type: 'integer' },
  { name: 'blackListEmail', type: 'boolean' },
  { name: 'creditLimit', type: 'double' },
  { name: 'accountId', type: 'string', length: 64 },
  { name: 'lastSeen', type: 'datetime' },
];

function mapping(overrides: Partial<IngressMapping> = {}): IngressMapping {
  return {
    name: 'contacts',
    from: 'contact',
    to: 'profile',
    key: { from: 'contactid', to: 'externalId' },
    fields: [
      { from: 'firstname', to: 'firstName', applyUpdates: true },
      { from: 'emailaddress1', to: 'email', applyUpdates: true },
      { from: 'birthdate', to: 'birthDate', applyUpdates: false },
      { from: 'gendercode', to: 'genderText', applyUpdates: true },
    ],
    replacements: [],
    deletes: false,
    picklists: 'label',
    every: '5m',
    initialTransfer: { fileThreshold: 500_000, chunkRows: 100_000, importTimeout: '6h' },
    ...overrides,
  };
}

function plan(overrides: Partial<IngressMapping> = {}): IngressPlan {
  const result = buildIngressPlan(mapping(overrides), 0, contactColumns, profileFields);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.plan;
}

const ID = '5d2a0a54-0000-4000-8000-000000000001';
const ada = {
  contactid: ID,
  firstname: 'Ada',
  emailaddress1: 'ada@example.com',
  birthdate: '1815-12-10',
  gendercode: 2,
  'gendercode@OData.Community.Display.V1.FormattedValue': 'Female',
  statecode: 0,
  donotemail: true,
  creditlimit: 100.25,
  _parentcustomerid_value: 'acc-1',
  modifiedon: '2026-01-02T10:00:00Z',
};

describe('mapRecord', () => {
  it('writes every mapped field on a full transfer, keyed by the D365 id', () => {
    expect(mapRecord(ada, plan(), 'full')).toEqual({
      kind: 'write',
      key: ID,
      values: {
        externalId: ID,
        firstName: 'Ada',
        email: 'ada@example.com',
        birthDate: '1815-12-10',
        genderText: 'Female',
      },
    });
  });

  it('leaves applyUpdates: false fields alone on incremental passes', () => {
    const result = mapRecord(ada, plan(), 'incremental');
    expect(result.kind === 'write' && result.values).toEqual({
      externalId: ID,
      firstName: 'Ada',
      email: 'ada@example.com',
      genderText: 'Female',
    });
  });

  it.each<[string, Partial<IngressMapping>, Record<string, unknown>, Record<string, unknown>]>([
    ['picklist label from the annotation', {}, {}, { genderText: 'Female' }],
    [
      'picklist label from metadata when the annotation is absent',
      {},
      { 'gendercode@OData.Community.Display.V1.FormattedValue': undefined, gendercode: 1 },
      { genderText: 'Male' },
    ],
    [
      'picklist value',
      { picklists: 'value', fields: [{ from: 'gendercode', to: 'genderCode', applyUpdates: true }] },
      {},
      { genderCode: 2 },
    ],
    [
      'a replacement on the raw value',
      { replacements: [{ field: 'gendercode', from: 2, to: 'F' }] },
      {},
      { genderText: 'F' },
    ],
    [
      'a replacement written as text in YAML',
      { replacements: [{ field: 'gendercode', from: '2', to: 'F' }] },
      {},
      { genderText: 'F' },
    ],
    [
      'a replacement on the label',
      { replacements: [{ field: 'gendercode', from: 'Female', to: 'f' }] },
      {},
      { genderText: 'f' },
    ],
    [
      'a replacement that does not match',
      { replacements: [{ field: 'gendercode', from: 1, to: 'M' }] },
      {},
      { genderText: 'Female' },
    ],
    [
      'a replacement to null clears',
      { replacements: [{ field: 'firstname', from: 'Ada', to: null }] },
      {},
      { firstName: null },
    ],
    [
      'a replacement into an enumeration',
      {
        fields: [{ from: 'gendercode', to: 'gender', applyUpdates: true }],
        replacements: [{ field: 'gendercode', from: 2, to: 'female' }],
      },
      {},
      { gender: 'female' },
    ],
    ['null clears a field', {}, { firstname: null }, { firstName: null }],
    [
      'a lookup is written as its id',
      { fields: [{ from: 'parentcustomerid', to: 'accountId', applyUpdates: true }] },
      {},
      { accountId: 'acc-1' },
    ],
    [
      'a boolean',
      { fields: [{ from: 'donotemail', to: 'blackListEmail', applyUpdates: true }] },
      {},
      { blackListEmail: true },
    ],
    [
      'money to double',
      { fields: [{ from: 'creditlimit', to: 'creditLimit', applyUpdates: true }] },
      {},
      { creditLimit: 100.25 },
    ],
    [
      'a datetime',
      { fields: [{ from: 'modifiedon', to: 'lastSeen', applyUpdates: true }] },
      {},
      { lastSeen: '2026-01-02 10:00:00.000Z' },
    ],
  ])('%s', (_name, overrides, rowChanges, expected) => {
    const result = mapRecord({ ...ada, ...rowChanges }, plan(overrides), 'full');
    expect(result.kind).toBe('write');
    expect(result.kind === 'write' && result.values).toMatchObject(expected);
  });

  it.each<[string, Partial<IngressMapping>, Record<string, unknown>, string[]]>([
    ['an overlong first name', {}, { firstname: 'A'.repeat(31) }, ['firstName: 31 characters, Campaign allows 30']],
    ['an invalid email', {}, { emailaddress1: 'ada(at)example.com' }, ['email: not a valid email address']],
    ['a bad date', {}, { birthdate: '1815-13-10' }, ['birthDate: not a valid date']],
    [
      'several problems at once',
      {},
      { firstname: 'A'.repeat(40), emailaddress1: 'nope' },
      ['firstName: 40 characters, Campaign allows 30', 'email: not a valid email address'],
    ],
    [
      'an unknown picklist option',
      {},
      { gendercode: 9, 'gendercode@OData.Community.Display.V1.FormattedValue': undefined },
      ['gendercode: option 9 has no label in D365 metadata'],
    ],
    [
      'an enumeration value Campaign lacks',
      { fields: [{ from: 'gendercode', to: 'gender', applyUpdates: true }] },
      {},
      ["gender: not one of the enumeration's values (unknown, male, female)"],
    ],
  ])('rejects %s, with every reason', (_name, overrides, rowChanges, reasons) => {
    expect(mapRecord({ ...ada, ...rowChanges }, plan(overrides), 'full')).toEqual({
      kind: 'rejected',
      key: ID,
      reasons,
    });
  });

  it.each([null, undefined, ''])('rejects a row whose key is %p', (contactid) => {
    expect(mapRecord({ ...ada, contactid }, plan(), 'full')).toEqual({
      kind: 'rejected',
      key: null,
      reasons: ['contactid: the key is empty'],
    });
  });

  it('filters on columns that are not mapped, and says which key was filtered out', () => {
    const active = plan({
      filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 0 }], deleteFilteredOut: true },
    });
    expect(mapRecord(ada, active, 'full').kind).toBe('write');
    expect(mapRecord({ ...ada, statecode: 1 }, active, 'full')).toEqual({ kind: 'filtered-out', key: ID });
    expect(active.deleteFilteredOut).toBe(true);
  });

  it('does not reject a filtered-out row for its bad values', () => {
    const active = plan({
      filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 0 }], deleteFilteredOut: false },
    });
    expect(mapRecord({ ...ada, statecode: 1, emailaddress1: 'bad' }, active, 'full').kind).toBe('filtered-out');
  });
});

describe('buildIngressPlan', () => {
  it('selects the key, the mapped columns and the filter columns, lookups by their Web API names', () => {
    const built = plan({
      fields: [
        { from: 'firstname', to: 'firstName', applyUpdates: true },
        { from: 'parentcustomerid', to: 'accountId', applyUpdates: true },
      ],
      filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 0 }], deleteFilteredOut: false },
    });
    expect(built.select).toEqual(['contactid', 'firstname', '_parentcustomerid_value', 'statecode']);
  });

  it.each<[string, Partial<IngressMapping>, { path: string; message: string }]>([
    [
      'an unknown D365 column',
      { fields: [{ from: 'nickname', to: 'firstName', applyUpdates: true }] },
      { path: 'ingress[0].fields[0].from', message: 'D365 table contact has no column nickname' },
    ],
    [
      'an unknown Campaign field',
      { fields: [{ from: 'firstname', to: 'nickName', applyUpdates: true }] },
      { path: 'ingress[0].fields[0].to', message: 'Campaign resource profile has no field nickName' },
    ],
    [
      'an unknown key column',
      { key: { from: 'id', to: 'externalId' } },
      { path: 'ingress[0].key.from', message: 'D365 table contact has no column id' },
    ],
    [
      'an unknown filter column',
      { filter: { match: 'all', rules: [{ field: 'state', op: 'eq', value: 0 }], deleteFilteredOut: false } },
      { path: 'ingress[0].filter.rules[0].field', message: 'D365 table contact has no column state' },
    ],
    [
      'a date into a boolean',
      { fields: [{ from: 'birthdate', to: 'blackListEmail', applyUpdates: true }] },
      {
        path: 'ingress[0].fields[0]',
        message: 'D365 DateTime column birthdate cannot be written to Campaign boolean field blackListEmail',
      },
    ],
    [
      'text into a date',
      { fields: [{ from: 'firstname', to: 'birthDate', applyUpdates: true }] },
      {
        path: 'ingress[0].fields[0]',
        message: 'D365 String column firstname cannot be written to Campaign date field birthDate',
      },
    ],
    [
      'a picklist label into an integer',
      { fields: [{ from: 'gendercode', to: 'genderCode', applyUpdates: true }] },
      {
        path: 'ingress[0].fields[0]',
        message: 'D365 Picklist column gendercode cannot be written to Campaign integer field genderCode',
      },
    ],
    [
      'a replacement on an unmapped field',
      { replacements: [{ field: 'lastname', from: 'x', to: 'y' }] },
      { path: 'ingress[0].replacements[0].field', message: 'lastname is not a mapped field' },
    ],
  ])('refuses %s, naming the config path', (_name, overrides, problem) => {
    const result = buildIngressPlan(mapping(overrides), 0, contactColumns, profileFields);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toContainEqual(problem);
  });
});
