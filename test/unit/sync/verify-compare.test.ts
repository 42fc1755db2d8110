import { changedFields } from '../../../src/connectors/campaign';
import {
  canonicalValue,
  compactKey,
  expandKey,
  capKeys,
  duplicateEventIds,
  emptyDrift,
  fnv1a,
  IngressTally,
  ingressVerdict,
  optOutBits,
  optOutVerdict,
  recency,
  recordDigest,
  selectScopes,
  verdictOf,
  verifyIdAt,
  verifyScopes,
  type CampaignNow,
  type ComparedField,
  type D365Now,
  type VerifyScopeResult,
} from '../../../src/sync/verify';

const FIELDS: ComparedField[] = [
  { name: 'email', type: 'string' },
  { name: 'birthDate', type: 'date' },
  { name: 'age', type: 'integer' },
  { name: 'vip', type: 'boolean' },
];

describe('canonicalValue: equal as the writer sees it, never more lenient', () => {
  it.each([
    ['empty, null and absent are one', '', null, 'string', true],
    ['absent and empty', undefined, '', 'date', true],
    ['a date and the same moment as a date-time', '2020-01-02', '2020-01-02 00:00:00.000Z', 'date', true],
    ['two different dates', '2020-01-02', '2020-01-03', 'date', false],
    ['a number and its text', 42, '42', 'integer', true],
    ['two numbers', 42, 43, 'integer', false],
    ['true and "true"', true, 'true', 'boolean', true],
    ['true and false', true, false, 'boolean', false],
    ['text differing in case', 'a@x.com', 'A@x.com', 'string', false],
    ['a value and empty', 'x', '', 'string', false],
  ] as const)('%s', (_what, a, b, type, equal) => {
    expect(canonicalValue(a, type) === canonicalValue(b, type)).toBe(equal);
  });

  // Every pair the digest calls equal, changedFields (the writer) calls equal too: a digest never hides a difference.
  it.each([
    ['2020-01-02', '2020-01-02 00:00:00.000Z', 'date'],
    [42, '42', 'integer'],
    [true, 'true', 'boolean'],
    [null, '', 'string'],
  ] as const)('%p and %p: the writer agrees that they are equal', (wanted, current, type) => {
    expect(canonicalValue(wanted, type)).toBe(canonicalValue(current, type));
    expect(changedFields({ f: current }, { f: wanted })).toEqual({});
  });
});

describe('recordDigest', () => {
  it('is the same for the mapped values and for Campaign’s answer of them', () => {
    const mapped = { externalId: 'k', email: 'a@x.com', birthDate: '2020-01-02', age: 42, vip: true };
    const answer = { PKey: '@p', email: 'a@x.com', birthDate: '2020-01-02', age: '42', vip: 'true', other: 'x' };
    expect(recordDigest(mapped, FIELDS)).toBe(recordDigest(answer, FIELDS));
  });

  it.each([
    ['email', 'b@x.com'],
    ['birthDate', '2020-01-03'],
    ['age', 41],
    ['vip', false],
  ])('changes when %s differs', (field, value) => {
    const mapped = { email: 'a@x.com', birthDate: '2020-01-02', age: 42, vip: true };
    expect(recordDigest({ ...mapped, [field]: value }, FIELDS)).not.toBe(recordDigest(mapped, FIELDS));
  });

  it('tells a value moved to another field apart', () => {
    const two: ComparedField[] = [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string' },
    ];
    expect(recordDigest({ a: 'x', b: '' }, two)).not.toBe(recordDigest({ a: '', b: 'x' }, two));
  });

  it('is a 32-bit unsigned number (FNV-1a test vector)', () => {
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('')).toBe(0x811c9dc5);
  });
});

describe('IngressTally: the first pass, keys only', () => {
  const run = (
    options: { deletes: boolean; deleteFilteredOut: boolean },
    d365: [string, 'expected' | 'filteredOut' | 'rejected', number?][],
    campaign: [string | undefined, number][]
  ) => {
    const tally = new IngressTally(options);
    for (const [key, kind, digest] of d365) tally.addSource(key, kind, digest);
    for (const [key, digest] of campaign) tally.addTarget(key, digest);
    return tally.finish();
  };
  const ON = { deletes: true, deleteFilteredOut: true };
  const OFF = { deletes: false, deleteFilteredOut: false };

  it.each([
    ['equal digests agree', ON, [['a', 'expected', 7]], [['a', 7]], [], { agree: 1 }],
    ['a row Campaign lacks is missing', ON, [['a', 'expected', 7]], [], [['a', 'missing']], { agree: 0 }],
    ['another digest is a field difference', ON, [['a', 'expected', 7]], [['a', 8]], [['a', 'fields']], {}],
    [
      'a key held twice is a duplicate',
      ON,
      [['a', 'expected', 7]],
      [
        ['a', 7],
        ['a', 7],
      ],
      [['a', 'duplicate']],
      {},
    ],
    ['an orphan with deletes on', ON, [], [['z', 1]], [['z', 'orphan']], {}],
    ['an orphan with deletes off is kept', OFF, [], [['z', 1]], [], { orphansKept: 1 }],
    [
      'an orphan held twice with deletes off',
      OFF,
      [],
      [
        ['z', 1],
        ['z', 1],
      ],
      [['z', 'duplicate']],
      {},
    ],
    [
      'a filtered-out row present, deleteFilteredOut on',
      ON,
      [['f', 'filteredOut']],
      [['f', 0]],
      [['f', 'filteredOut']],
      {},
    ],
    [
      'a filtered-out row present, deleteFilteredOut off',
      OFF,
      [['f', 'filteredOut']],
      [['f', 0]],
      [],
      { filteredOutKept: 1 },
    ],
    ['a filtered-out row absent', ON, [['f', 'filteredOut']], [], [], { filteredOut: 1 }],
    ['a rejected row is not compared', ON, [['r', 'rejected']], [['r', 5]], [], { rejected: 1 }],
    ['a record without a key is not the mapping’s', ON, [], [[undefined, 1]], [], { campaignUnkeyed: 1 }],
    [
      'a maximal digest survives the packing',
      ON,
      [['a', 'expected', 0xffffffff]],
      [['a', 0xffffffff]],
      [],
      { agree: 1 },
    ],
  ] as const)('%s', (_what, options, d365, campaign, candidates, counts) => {
    const result = run(
      options,
      d365 as unknown as [string, 'expected', number][],
      campaign as unknown as [string, number][]
    );
    expect(result.candidates.map((c) => [c.key, c.category])).toEqual(candidates);
    expect(result.counts).toMatchObject(counts);
  });
});

describe('ingressVerdict: a key re-read from both systems', () => {
  const START = Date.parse('2026-01-01T12:00:00.500Z');
  const timing = { startedAtMs: START, quietMs: 0 };
  const rules = { deletes: true, deleteFilteredOut: true };
  const OLD = '2025-12-31T00:00:00Z';
  const expected: D365Now = { kind: 'expected', modifiedOn: OLD };
  const one = (differing: string[], lastModified: string | null = OLD): CampaignNow => ({
    kind: 'one',
    differing,
    lastModified,
  });

  it.each([
    ['equal', expected, one([]), rules, { kind: 'agree' }],
    [
      'fields differ (named, sorted)',
      expected,
      one(['lastName', 'email']),
      rules,
      { kind: 'drift', category: 'fields', fields: ['email', 'lastName'] },
    ],
    ['missing', expected, { kind: 'none' }, rules, { kind: 'drift', category: 'missing' }],
    ['several records', expected, { kind: 'several', count: 2 }, rules, { kind: 'drift', category: 'duplicate' }],
    ['gone from D365, deletes on', { kind: 'absent' }, one([]), rules, { kind: 'drift', category: 'orphan' }],
    ['gone from D365, deletes off', { kind: 'absent' }, one([]), { ...rules, deletes: false }, { kind: 'agree' }],
    ['gone from both', { kind: 'absent' }, { kind: 'none' }, rules, { kind: 'agree' }],
    [
      'filtered out and present',
      { kind: 'filteredOut', modifiedOn: OLD },
      one([]),
      rules,
      { kind: 'drift', category: 'filteredOut' },
    ],
    [
      'filtered out, kept',
      { kind: 'filteredOut', modifiedOn: OLD },
      one([]),
      { ...rules, deleteFilteredOut: false },
      { kind: 'agree' },
    ],
    ['rejected by the mapping', { kind: 'rejected', modifiedOn: OLD }, { kind: 'none' }, rules, { kind: 'agree' }],
    [
      'D365 changed during verify (same second)',
      { kind: 'expected', modifiedOn: '2026-01-01T12:00:00Z' },
      one(['email']),
      rules,
      { kind: 'changed' },
    ],
    [
      'Campaign changed during verify',
      expected,
      one(['email'], '2026-01-01T12:00:01.000Z'),
      rules,
      { kind: 'changed' },
    ],
    [
      'Campaign changed just before verify',
      expected,
      one(['email'], '2026-01-01T12:00:00.400Z'),
      rules,
      { kind: 'drift', category: 'fields', fields: ['email'] },
    ],
  ] as const)('%s', (_what, d365, campaign, theRules, verdict) => {
    expect(ingressVerdict(d365 as D365Now, campaign as CampaignNow, theRules, timing)).toEqual(verdict);
  });

  it('a change within the quiet period is pending, one before it is drift', () => {
    const quiet = { startedAtMs: START, quietMs: 60_000 };
    expect(
      ingressVerdict({ kind: 'expected', modifiedOn: '2026-01-01T11:59:30Z' }, one(['email']), rules, quiet)
    ).toEqual({ kind: 'pending' });
    expect(
      ingressVerdict({ kind: 'expected', modifiedOn: '2026-01-01T11:58:30Z' }, one(['email']), rules, quiet)
    ).toEqual({
      kind: 'drift',
      category: 'fields',
      fields: ['email'],
    });
  });
});

describe('recency', () => {
  const timing = { startedAtMs: Date.parse('2026-01-01T12:00:00.500Z'), quietMs: 0 };
  it.each([
    ['no times', [], [], undefined],
    ['unreadable times', ['x'], [null], undefined],
    ['old on both sides', ['2026-01-01T11:00:00Z'], ['2026-01-01T11:00:00Z'], undefined],
    ['D365 in the start’s second', ['2026-01-01T12:00:00Z'], [], 'changed'],
    ['Campaign after the start (epoch ms)', [], [Date.parse('2026-01-01T12:00:00.600Z')], 'changed'],
  ] as const)('%s', (_what, d365, campaign, expected) => {
    expect(recency(timing, d365, campaign, { d365: true, campaign: true })).toBe(expected);
  });

  const quiet = { ...timing, quietMs: 60_000 };
  const recentD365 = ['2026-01-01T11:59:30Z'];
  const recentCampaign = ['2026-01-01T11:59:30.000Z'];
  it.each([
    ['D365 changed in the quiet period, D365 a source', recentD365, [], { d365: true, campaign: false }, 'pending'],
    [
      'D365 changed in the quiet period, Campaign the only source',
      recentD365,
      [],
      { d365: false, campaign: true },
      undefined,
    ],
    [
      'Campaign changed in the quiet period, D365 the only source',
      [],
      recentCampaign,
      { d365: true, campaign: false },
      undefined,
    ],
    [
      'Campaign changed in the quiet period, both sources',
      [],
      recentCampaign,
      { d365: true, campaign: true },
      'pending',
    ],
    ['a change before the quiet period', ['2026-01-01T11:58:00Z'], [], { d365: true, campaign: true }, undefined],
  ] as const)('%s', (_what, d365, campaign, sources, expected) => {
    expect(recency(quiet, d365, campaign, sources)).toBe(expected);
  });
});

describe('optOutVerdict: the flow’s own rule', () => {
  const START = Date.parse('2026-01-01T12:00:00Z');
  const timing = { startedAtMs: START, quietMs: 0 };
  const side = (value: boolean, changedAt: string | null = '2025-12-01T00:00:00.000Z') => ({ value, changedAt });
  const pair = (attribute: string, d365: boolean, campaign: boolean) => ({
    attribute,
    d365: side(d365),
    campaign: side(campaign),
  });

  it.each([
    ['both agree', 'bidirectional', [pair('denyListEmail', true, true)], { kind: 'agree' }],
    [
      'sides differ, bidirectional',
      'bidirectional',
      [pair('denyListEmail', true, false)],
      { kind: 'drift', category: 'optOut', fields: ['denyListEmail'] },
    ],
    [
      'only the differing pairs are named',
      'd365-to-campaign',
      [pair('denyList', false, false), pair('denyListEmail', false, true)],
      { kind: 'drift', category: 'optOut', fields: ['denyListEmail'] },
    ],
    ['disabled: never drift', 'disabled', [pair('denyListEmail', true, false)], { kind: 'agree' }],
  ] as const)('%s', (_what, mode, pairs, verdict) => {
    expect(optOutVerdict(mode, pairs, timing)).toEqual(verdict);
  });

  it('a disagreement changed after verify started is not drift', () => {
    const pairs = [{ attribute: 'denyListEmail', d365: side(true), campaign: side(false, '2026-01-01T12:00:05.000Z') }];
    expect(optOutVerdict('bidirectional', pairs, timing)).toEqual({ kind: 'changed' });
  });

  it('packs pair values as bits', () => {
    expect(optOutBits([true, false, true])).toBe(0b101);
    expect(optOutBits([])).toBe(0);
  });
});

describe('results and scopes', () => {
  const scope = (over: Partial<VerifyScopeResult>): VerifyScopeResult => ({
    scope: 's',
    counts: {},
    drift: emptyDrift(),
    keys: [],
    truncated: false,
    ...over,
  });

  it.each([
    ['nothing drifted', [scope({})], 'agree'],
    ['one scope drifted', [scope({}), scope({ drift: { ...emptyDrift(), fields: 1 } })], 'drift'],
    ['one scope could not be verified', [scope({}), scope({ error: 'down' })], 'unverified'],
    [
      'drift found wins over a scope not verified',
      [scope({ error: 'down' }), scope({ drift: { ...emptyDrift(), orphan: 2 } })],
      'drift',
    ],
  ] as const)('%s', (_what, scopes, outcome) => {
    expect(verdictOf(scopes)).toBe(outcome);
  });

  it('caps the keys per category', () => {
    const keys = [
      ...['a', 'b', 'c'].map((key) => ({ key, category: 'missing' as const })),
      { key: 'd', category: 'fields' as const },
    ];
    expect(capKeys(keys, 2)).toEqual({ keys: [keys[0], keys[1], keys[3]], truncated: true });
    expect(capKeys(keys, 3)).toEqual({ keys, truncated: false });
  });

  it('counts duplicate event ids without case', () => {
    expect([...duplicateEventIds(['E1', 'e1', 'e2', 'E3', 'e3', 'e3'])]).toEqual([
      ['e1', 2],
      ['e3', 3],
    ]);
  });

  it('lists every configured scope and selects some by name', () => {
    const scopes = verifyScopes({ ingress: [{ name: 'contacts' }], optOut: { mode: 'bidirectional' }, egress: {} });
    expect(scopes).toEqual([{ kind: 'ingress', mapping: 'contacts' }, { kind: 'optout' }, { kind: 'egress' }]);
    expect(verifyScopes({ ingress: [], optOut: { mode: 'disabled' } })).toEqual([]);
    expect(selectScopes(scopes, ['optout', 'ingress:nope'])).toEqual({
      scopes: [{ kind: 'optout' }],
      unknown: ['ingress:nope'],
    });
  });

  it('makes a verify id fit for a workflow id and a folder', () => {
    expect(verifyIdAt(new Date('2026-12-05T13:45:07.123Z'))).toBe('20261205T134507Z');
  });
});

describe('compactKey', () => {
  it.each([
    ['a D365 id', '6a2516a0-7c10-414a-abf1-000000000000', 16],
    ['another', 'ffffffff-ffff-4fff-bfff-ffffffffffff', 16],
    ['an upper-case id (not packed)', '6A2516A0-7C10-414A-ABF1-000000000000', 37],
    ['a text key', 'M-00042', 8],
    ['a text key of 15 characters', 'abcdefghijklmno', 16],
    ['an empty key', '', 1],
  ])('%s goes in %d characters and comes back whole', (_what, key, length) => {
    expect(compactKey(key)).toHaveLength(length);
    expect(expandKey(compactKey(key))).toBe(key);
  });

  it('never packs two keys alike', () => {
    const keys = ['6a2516a0-7c10-414a-abf1-000000000000', 'abcdefghijklmno', '\u0100abcdefghijklmn'];
    expect(new Set(keys.map(compactKey)).size).toBe(keys.length);
  });

  it('a tally of more keys than its first arrays hold keeps every digest', () => {
    const tally = new IngressTally({ deletes: true, deleteFilteredOut: true });
    const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    for (let i = 0; i < 5000; i++) tally.addSource(id(i), 'expected', i * 2654435761);
    for (let i = 0; i < 5000; i++) tally.addTarget(id(i), i === 4321 ? 1 : i * 2654435761);
    expect(tally.finish().candidates).toEqual([{ key: id(4321), category: 'fields' }]);
  });
});
