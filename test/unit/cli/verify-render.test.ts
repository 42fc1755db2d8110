import { renderRepairs, renderVerify } from '../../../src/cli/render/verify-report';
import { verifyReportSchema } from '../../../src/cli/report-schemas';
import { emptyDrift, type VerifyResult } from '../../../src/sync/verify';

const RESULT: VerifyResult = {
  verifyId: '20261205T134441Z',
  startedAt: '2026-12-05T13:44:41.000Z',
  finishedAt: '2026-12-05T13:44:50.000Z',
  outcome: 'drift',
  scopes: [
    {
      scope: 'ingress:contacts',
      counts: { d365Rows: 3, agree: 1 },
      drift: { ...emptyDrift(), fields: 1, missing: 1 },
      keys: [
        { key: '6a2516a0-7c10-414a-abf1-000000000000', category: 'fields', fields: ['email', 'lastName'] },
        { key: '7f4a7c10-16a0-4bf1-a14a-000000000001', category: 'missing' },
      ],
      truncated: true,
      report: 'reports/verify/20261205T134441Z/ingress-contacts.csv',
    },
    { scope: 'optout', counts: {}, drift: emptyDrift(), keys: [], truncated: false, error: 'GET /profile: HTTP 503' },
    { scope: 'egress', counts: { files: 0 }, drift: emptyDrift(), keys: [], truncated: false },
  ],
};

describe('verify output', () => {
  it('names scopes, counts, drifted keys with their fields, and where the full list is', () => {
    expect(renderVerify(RESULT)).toEqual([
      'verify 20261205T134441Z: drift found',
      '  ingress:contacts: drift: missing 1, fields 1',
      '    d365Rows 3, agree 1',
      '    fields      6a2516a0-7c10-414a-abf1-000000000000  email, lastName',
      '    missing     7f4a7c10-16a0-4bf1-a14a-000000000001',
      '    … more keys in the report',
      '    every drifted key: reports/verify/20261205T134441Z/ingress-contacts.csv',
      '  optout: not verified: GET /profile: HTTP 503',
      '  egress: in agreement',
      '    files 0',
    ]);
  });

  it('says what each repair did and what it left', () => {
    expect(
      renderRepairs([
        { scope: 'ingress:contacts', keys: 3, leftAlone: 1, counts: { read: 3, created: 1, updated: 0, deleted: 2 } },
      ])
    ).toEqual([
      'repair ingress:contacts: 3 keys re-driven (read 3, created 1, deleted 2); 1 duplicate keys left for you to resolve',
    ]);
    expect(renderRepairs([])).toEqual([
      'repair: nothing to re-drive (duplicates and egress drift are left to the operator)',
    ]);
  });

  it('the JSON schema refuses a result that strays from the contract', () => {
    expect(verifyReportSchema.safeParse({ verify: RESULT }).success).toBe(true);
    expect(verifyReportSchema.safeParse({ verify: { ...RESULT, outcome: 'maybe' } }).success).toBe(false);
    const unknownCategory = { ...RESULT.scopes[0], keys: [{ key: 'k', category: 'other' }] };
    expect(verifyReportSchema.safeParse({ verify: { ...RESULT, scopes: [unknownCategory] } }).success).toBe(false);
  });
});
