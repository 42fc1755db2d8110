import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { validateConfig } from '../../src/config/load';
import { linkParents } from '../../src/config/link-rules';

const exampleText = readFileSync(path.join(__dirname, '..', '..', 'config', 'example.yaml'), 'utf8');

/** A custom mapping `name` → `cus<Name>` whose fields link to `links` (one lookup column each). */
function custom(name: string, links: string[] = [], extraFields = 0): Record<string, unknown> {
  const resource = `cus${name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
  return {
    name,
    from: `new_${name.replace(/-/g, '')}`,
    to: resource,
    key: { from: `new_${name.replace(/-/g, '')}id`, to: 'd365Id' },
    fields: [
      { from: 'new_name', to: 'label' },
      ...links.map((link, index) => ({ from: `_new_link${index}_value`, to: `link${index}`, link })),
      ...Array.from({ length: extraFields }, (_, index) => ({ from: `new_col${index}`, to: `col${index}` })),
    ],
  };
}

function problemsWith(mappings: Record<string, unknown>[]): string[] {
  const config = YAML.parse(exampleText) as Record<string, any>;
  config.ingress = [config.ingress[0], ...mappings];
  const result = validateConfig(config);
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('config validate: links between mappings and the custom-entity limits', () => {
  const cases: [name: string, mappings: Record<string, unknown>[], expected: string[]][] = [
    [
      'a link to profile and a depth-2 chain',
      [custom('tiers', ['memberships']), custom('memberships', ['programs', 'contacts']), custom('programs')],
      [],
    ],
    [
      'a link to a mapping that does not exist',
      [custom('memberships', ['programs'])],
      ['ingress[1].fields[1].link: no ingress mapping is named programs'],
    ],
    [
      'a mapping linking to itself',
      [custom('memberships', ['memberships'])],
      ['ingress[1].fields[1].link: a mapping cannot link to itself'],
    ],
    [
      'links three deep',
      [custom('a', ['b']), custom('b', ['c']), custom('c', ['contacts'])],
      ['ingress[1]: its links are 3 deep (a → b → c → contacts); at most 2 (table1 → table2 → table3)'],
    ],
    [
      'a cycle',
      [custom('a', ['b']), custom('b', ['a'])],
      ['ingress[1]: its links form a cycle: a → b → a', 'ingress[2]: its links form a cycle: b → a → b'],
    ],
    [
      'six linked columns',
      [custom('hub', ['contacts', 'contacts', 'contacts', 'contacts', 'contacts', 'contacts'])],
      ['ingress[1].fields: has 6 linked columns; at most 5 per custom resource'],
    ],
    ['five linked columns', [custom('hub', ['contacts', 'contacts', 'contacts', 'contacts', 'contacts'])], []],
    [
      '51 columns',
      [custom('wide', [], 49)],
      ['ingress[1].fields: maps 51 columns (the key included); at most 50 per mapping'],
    ],
    ['50 columns', [custom('wide', [], 48)], []],
  ];
  it.each(cases)('%s', (_name, mappings, expected) => {
    expect(problemsWith(mappings)).toEqual(expected);
  });

  it('refuses a 21st custom mapping and accepts 20', () => {
    const twenty = Array.from({ length: 20 }, (_, index) => custom(`t${index}`));
    expect(problemsWith(twenty)).toEqual([]);
    expect(problemsWith([...twenty, custom('t20')])).toEqual([
      'ingress[21]: is mapping 21 to a custom resource; at most 20 custom mappings',
    ]);
  });

  it('names each parent once, in field order', () => {
    expect(linkParents({ fields: custom('m', ['b', 'a', 'b']).fields as never })).toEqual(['b', 'a']);
  });
});
