import { readFileSync } from 'node:fs';
import path from 'node:path';
import { optOutsOnCreate, withOptOuts } from '../../src/activities/ingress/opt-outs-on-create';
import { contactScope, NO_CONTACT_MAPPING } from '../../src/activities/optout/contact-scope';
import { parseConfig } from '../../src/config/load';
import { type Config } from '../../src/config/schema';
import { type RowFilter } from '../../src/sync/ingress';

const stateIsActive: RowFilter = {
  match: 'all',
  rules: [{ column: { logicalName: 'statecode', type: 'State' }, op: 'eq', value: 0 }],
};

describe('contactScope: which contacts ingress writes to profiles', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['a contact the filter lets through', { contactid: 'c1', statecode: 0 }, true],
    ['a contact the filter keeps out', { contactid: 'c1', statecode: 1 }, false],
    // A delta link made before the filter's column was selected: unknown, so revisited by id later.
    ['a row without the filter column', { contactid: 'c1' }, true],
  ])('%s', (_name, row, expected) => {
    expect(contactScope('contacts', stateIsActive).includes(row)).toBe(expected);
  });

  it('selects the filter columns, and takes every contact when the mapping has no filter', () => {
    expect(contactScope('contacts', stateIsActive).columns).toEqual(['statecode']);
    expect(contactScope('contacts', undefined).includes({ contactid: 'c1', statecode: 1 })).toBe(true);
    expect(NO_CONTACT_MAPPING.includes({ contactid: 'c1' })).toBe(false);
  });
});

const example = (): Config => {
  const parsed = parseConfig(readFileSync(path.join(__dirname, '..', '..', 'config', 'example.yaml'), 'utf8'));
  if (!parsed.ok) throw new Error('the example configuration is invalid');
  return parsed.config;
};
const contactColumns = [{ logicalName: 'donotbulkemail' }, { logicalName: 'donotemail' }];

describe('optOutsOnCreate: the opt-outs a new profile gets from its contact', () => {
  it.each<[NonNullable<Config['optOut']>['mode'], string[]]>([
    ['d365-to-campaign', ['blackListEmail', 'blackList']],
    ['bidirectional', ['blackListEmail', 'blackList']],
    ['campaign-to-d365', []],
    ['disabled', []],
  ])('mode %s: %j', (mode, expected) => {
    const config = example();
    config.optOut!.mode = mode;
    const contacts = config.ingress[0]!;
    expect(optOutsOnCreate(config, contacts, contactColumns).map((o) => o.apiField)).toEqual(expected);
  });

  it('only for the contact mapping, and only for columns D365 has', () => {
    const config = example();
    expect(optOutsOnCreate(config, config.ingress[1]!, contactColumns)).toEqual([]);
    expect(optOutsOnCreate(config, config.ingress[0]!, [{ logicalName: 'donotemail' }])).toEqual([
      { column: 'donotemail', apiField: 'blackList' },
    ]);
  });

  it('adds the opt-outs that are set, and leaves a false to Campaign’s default', () => {
    const optOuts = optOutsOnCreate(example(), example().ingress[0]!, contactColumns);
    expect(withOptOuts({ externalId: 'c1' }, { donotbulkemail: true, donotemail: false }, optOuts)).toEqual({
      externalId: 'c1',
      blackListEmail: true,
    });
    expect(withOptOuts({ externalId: 'c1' }, { donotbulkemail: null }, optOuts)).toEqual({ externalId: 'c1' });
  });
});
