import { type ConfigInput } from '../../src/config/schema';
import { startIngressStack, type IngressStack } from '../harness/ingress-stack';
import { CONFIG_ERROR } from '../../src/sync/failure-types';

type Mapping = NonNullable<ConfigInput['ingress']>[number];

const CONTACTS: Mapping = {
  name: 'contacts',
  from: 'contact',
  to: 'profile',
  key: { from: 'contactid', to: 'externalId' },
  fields: [
    { from: 'firstname', to: 'firstName' },
    { from: 'lastname', to: 'lastName' },
    { from: 'emailaddress1', to: 'email' },
  ],
};

describe('ingress preflight and row count against the simulators', () => {
  let stack: IngressStack;

  beforeAll(async () => {
    stack = await startIngressStack({
      dynamics: { seedContacts: 7 },
      customResources: [
        {
          name: 'cusMembership',
          fields: { membershipId: { type: 'string', maxLength: 40 }, name: { type: 'string', maxLength: 100 } },
          filters: { byMembershipId: { membershipId_parameter: 'membershipId' } },
        },
      ],
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('passes a mapping that matches both systems', async () => {
    const { activities } = stack.activities([CONTACTS]);
    await expect(activities.preflightIngress({ mapping: 'contacts' })).resolves.toEqual({ problems: [] });
  });

  it('names every missing column, missing field and incompatible type with its configuration path', async () => {
    const { activities } = stack.activities([
      {
        ...CONTACTS,
        fields: [
          { from: 'firstname', to: 'firstName' },
          { from: 'middlename_typo', to: 'middleName' },
          { from: 'lastname', to: 'lastNameTypo' },
          { from: 'birthdate', to: 'donotemailFlag' },
          { from: 'donotemail', to: 'birthDate' },
          { from: 'emailaddress1', to: 'age' },
        ],
        filter: { rules: [{ field: 'no_such_column', op: 'notnull' }] },
      },
    ]);
    const { problems } = await activities.preflightIngress({ mapping: 'contacts' });
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['ingress[0].fields[1].from']).toMatch(/no column middlename_typo/);
    expect(byPath['ingress[0].fields[2].to']).toMatch(/no field lastNameTypo/);
    expect(byPath['ingress[0].fields[3].to']).toMatch(/no field donotemailFlag/);
    expect(byPath['ingress[0].fields[4]']).toMatch(
      /Boolean column donotemail cannot be written to Campaign date field birthDate/
    );
    expect(byPath['ingress[0].fields[5].to']).toMatch(/read-only/);
    expect(byPath['ingress[0].filter.rules[0].field']).toMatch(/no column no_such_column/);
  });

  it('refuses a table without change tracking', async () => {
    const { activities } = stack.activities([
      {
        name: 'tasks',
        from: 'task',
        to: 'cusMembership',
        key: { from: 'activityid', to: 'membershipId', campaignFilter: 'byMembershipId' },
        fields: [{ from: 'subject', to: 'name' }],
      },
    ]);
    const { problems } = await activities.preflightIngress({ mapping: 'tasks' });
    expect(problems).toEqual([
      { path: 'ingress[0].from', message: expect.stringMatching(/change tracking is off/) as string },
    ]);
  });

  it('refuses an unknown table, an unknown resource and a contact key other than contactid → externalId', async () => {
    const { activities } = stack.activities([
      { ...CONTACTS, name: 'nowhere', from: 'no_such_table', to: 'cusNothing', key: { from: 'x_id', to: 'name' } },
      { ...CONTACTS, name: 'bad-key', key: { from: 'emailaddress1', to: 'externalId' } },
    ]);
    const nowhere = await activities.preflightIngress({ mapping: 'nowhere' });
    expect(nowhere.problems.map((p) => p.path).sort()).toEqual(['ingress[0].from', 'ingress[0].to']);
    expect(nowhere.problems.find((p) => p.path === 'ingress[0].to')?.message).toMatch(/no resource cusNothing/);
    const badKey = await activities.preflightIngress({ mapping: 'bad-key' });
    expect(badKey.problems).toEqual([
      { path: 'ingress[1].key.from', message: 'must be contactid for the contact table' },
    ]);
    const unknown = await activities.preflightIngress({ mapping: 'not-configured' });
    expect(unknown.problems[0]?.message).toMatch(/no ingress mapping is named not-configured/);
  });

  it('refuses a custom mapping whose key is not the table id, or whose Campaign filter does not exist', async () => {
    const membership: Mapping = {
      name: 'memberships',
      from: 'acs_membership',
      to: 'cusMembership',
      key: { from: 'acs_membershipid', to: 'membershipId' },
      fields: [{ from: 'acs_name', to: 'name' }],
    };
    const { activities } = stack.activities([
      membership,
      { ...membership, name: 'by-number', key: { from: 'acs_membershipnumber', to: 'membershipId' } },
      { ...membership, name: 'no-filter', key: { ...membership.key, campaignFilter: 'byNothing' } },
    ]);
    await expect(activities.preflightIngress({ mapping: 'memberships' })).resolves.toEqual({ problems: [] });
    const byNumber = await activities.preflightIngress({ mapping: 'by-number' });
    expect(byNumber.problems).toEqual([
      { path: 'ingress[1].key.from', message: expect.stringMatching(/must be acs_membershipid/) as string },
    ]);
    const noFilter = await activities.preflightIngress({ mapping: 'no-filter' });
    expect(noFilter.problems).toEqual([
      {
        path: 'ingress[2].key.campaignFilter',
        message: expect.stringMatching(/define the filter byNothing/) as string,
      },
    ]);
  });

  it('counts the source rows, inactive ones included, and fails a page of a mapping that does not match', async () => {
    const { activities } = stack.activities([
      CONTACTS,
      { ...CONTACTS, name: 'broken', fields: [{ from: 'nope', to: 'firstName' }] },
    ]);
    await stack.dynamics.client().create('contacts', { lastname: 'Inactive', statecode: 1, statuscode: 2 });
    await expect(activities.countSourceRows({ mapping: 'contacts' })).resolves.toEqual({ rows: 8 });
    await expect(activities.syncIngressPage({ mapping: 'broken', mode: 'full', reportId: 'r1' })).rejects.toMatchObject(
      {
        type: CONFIG_ERROR,
        nonRetryable: true,
        message: expect.stringMatching(/ingress\[1\]\.fields\[0\]\.from/) as string,
      }
    );
  });
});

describe('source row count above the $count cap', () => {
  let stack: IngressStack;

  beforeAll(async () => {
    stack = await startIngressStack({ dynamics: { seedContacts: 6200 } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('falls back to RetrieveTotalRecordCount when $count answers its 5,000 cap', async () => {
    const { activities } = stack.activities([CONTACTS]);
    await expect(activities.countSourceRows({ mapping: 'contacts' })).resolves.toEqual({ rows: 6200 });
    expect(stack.dynamics.sim.requests.some((r) => r.url.includes('RetrieveTotalRecordCount'))).toBe(true);
  });
});
