import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConfigInput } from '../../src/config/schema';
import { type DynamicsClient } from '../../src/connectors/dynamics';
import { startIngressStack, type IngressStack } from '../harness/ingress-stack';
import { campaignRecords, runPass } from '../harness/ingress-passes';

type Mapping = NonNullable<ConfigInput['ingress']>[number];

/** Active contacts only; statecode is filtered on without being mapped. */
const ACTIVE_CONTACTS: Mapping = {
  name: 'active-contacts',
  from: 'contact',
  to: 'profile',
  key: { from: 'contactid', to: 'externalId' },
  fields: [
    { from: 'firstname', to: 'firstName' },
    { from: 'lastname', to: 'lastName' },
  ],
  filter: { rules: [{ field: 'statecode', op: 'eq', value: 0 }] },
};

const MEMBERSHIPS: Mapping = {
  name: 'memberships',
  from: 'acs_membership',
  to: 'cusMembership',
  key: { from: 'acs_membershipid', to: 'membershipId' },
  fields: [
    { from: 'acs_name', to: 'name' },
    { from: 'acs_membershipnumber', to: 'number' },
    { from: 'acs_tier', to: 'tierCode' },
    { from: 'acs_points', to: 'points' },
    { from: 'acs_joinedon', to: 'joinedOn' },
  ],
  picklists: 'value',
  deletes: true,
};

describe('ingress pages over the API path: filters and a custom table', () => {
  let stack: IngressStack;
  let d365: DynamicsClient;

  beforeAll(async () => {
    stack = await startIngressStack({
      customResources: [
        {
          name: 'cusMembership',
          fields: {
            membershipId: { type: 'string', maxLength: 40 },
            name: { type: 'string', maxLength: 100 },
            number: { type: 'string', maxLength: 20 },
            tierCode: { type: 'integer' },
            points: { type: 'integer' },
            joinedOn: { type: 'date' },
          },
          filters: { byMembershipId: { membershipId_parameter: 'membershipId' } },
        },
      ],
    });
    d365 = stack.dynamics.client();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('keeps filtered-out rows out of Campaign, and deletes them there only with deleteFilteredOut', async () => {
    const contact = async (firstname: string, statecode = 0): Promise<string> =>
      String(
        (
          await d365.create('contacts', {
            firstname,
            lastname: 'Filter',
            statecode,
            statuscode: statecode === 0 ? 1 : 2,
          })
        ).id
      );
    const [a, b, c] = [await contact('A'), await contact('B'), await contact('C', 1)];
    const keep = stack.activities([ACTIVE_CONTACTS]).activities;
    const drop = stack.activities([
      { ...ACTIVE_CONTACTS, filter: { ...ACTIVE_CONTACTS.filter!, deleteFilteredOut: true } },
    ]).activities;

    const initial = await runPass(keep, 'active-contacts', 'full', 'initial');
    expect(initial.counts).toMatchObject({ read: 3, created: 2, filteredOut: 1, deleted: 0 });
    let profiles = await campaignRecords(stack.campaign.client, 'profileAndServicesExt', 'profile', 'externalId');
    expect([...profiles.keys()].sort()).toEqual([a, b].sort());
    expect(profiles.has(c)).toBe(false);

    await d365.update('contacts', a, { statecode: 1, statuscode: 2 });
    const kept = await runPass(keep, 'active-contacts', 'incremental', 'pass-1', initial.deltaLink);
    expect(kept.counts).toMatchObject({ read: 1, filteredOut: 1, deleted: 0 });
    profiles = await campaignRecords(stack.campaign.client, 'profileAndServicesExt', 'profile', 'externalId');
    expect(profiles.has(a)).toBe(true);

    await d365.update('contacts', b, { statecode: 1, statuscode: 2 });
    const d = await contact('D', 1);
    const dropped = await runPass(drop, 'active-contacts', 'incremental', 'pass-2', kept.deltaLink);
    // B is deleted from Campaign; D never was there, which is fine.
    expect(dropped.counts).toMatchObject({ read: 2, filteredOut: 2, deleted: 1, rejected: 0 });
    profiles = await campaignRecords(stack.campaign.client, 'profileAndServicesExt', 'profile', 'externalId');
    expect(profiles.has(b)).toBe(false);
    expect(profiles.has(d)).toBe(false);
  });

  it('syncs a custom table to a custom resource, picklists by value, field by field', async () => {
    const { activities } = stack.activities([MEMBERSHIPS]);
    const ids: string[] = [];
    for (const [index, tier] of [1, 2, 3].entries()) {
      const created = await d365.create('acs_memberships', {
        acs_name: `Member ${index}`,
        acs_membershipnumber: `M-${index}`,
        acs_tier: tier,
        acs_points: 100 * index,
        acs_joinedon: `2024-0${index + 1}-15`,
      });
      ids.push(String(created.id));
    }
    const initial = await runPass(activities, 'memberships', 'full', 'initial');
    expect(initial.counts).toMatchObject({ read: 3, created: 3, rejected: 0 });
    let records = await campaignRecords(stack.campaign.client, 'customResources', 'cusMembership', 'membershipId');
    for (const [index, id] of ids.entries()) {
      expect(records.get(id)).toMatchObject({
        name: `Member ${index}`,
        number: `M-${index}`,
        tierCode: index + 1,
        points: 100 * index,
        joinedOn: `2024-0${index + 1}-15`,
      });
    }

    await d365.update('acs_memberships', ids[0] ?? '', { acs_points: 999 });
    await d365.delete('acs_memberships', ids[1] ?? '');
    const pass = await runPass(activities, 'memberships', 'incremental', 'pass-1', initial.deltaLink);
    expect(pass.counts).toMatchObject({ read: 2, updated: 1, deleted: 1 });
    records = await campaignRecords(stack.campaign.client, 'customResources', 'cusMembership', 'membershipId');
    expect(records.get(ids[0] ?? '')).toMatchObject({ points: 999, name: 'Member 0' });
    expect(records.has(ids[1] ?? '')).toBe(false);
    expect(records.size).toBe(2);
  });
});

describe('ingress pages over the API path: a custom resource linked to profile', () => {
  let stack: IngressStack;
  let d365: DynamicsClient;

  const PEOPLE: Mapping = {
    name: 'people',
    from: 'contact',
    to: 'profile',
    key: { from: 'contactid', to: 'externalId' },
    fields: [
      { from: 'firstname', to: 'firstName' },
      { from: 'lastname', to: 'lastName' },
    ],
  };
  const LOYALTY: Mapping = {
    name: 'loyalty',
    from: 'acs_membership',
    to: 'cusLoyalty',
    key: { from: 'acs_membershipid', to: 'membershipId' },
    fields: [
      { from: 'acs_name', to: 'name' },
      { from: 'acs_contactid', to: 'profile' },
    ],
  };

  beforeAll(async () => {
    stack = await startIngressStack({
      customResources: [
        {
          name: 'cusLoyalty',
          fields: { membershipId: { type: 'string', maxLength: 40 }, name: { type: 'string', maxLength: 100 } },
          filters: { byMembershipId: { membershipId_parameter: 'membershipId' } },
          profileLink: { field: 'profile', cardinality: '1' },
        },
      ],
    });
    d365 = stack.dynamics.client();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('writes a missing parent profile before its child, links children to their parents, and rejects an orphan', async () => {
    const { activities } = stack.activities([PEOPLE, LOYALTY]);
    await expect(activities.preflightIngress({ mapping: 'loyalty' })).resolves.toEqual({ problems: [] });
    const contact = async (lastname: string): Promise<string> =>
      String((await d365.create('contacts', { firstname: 'Parent', lastname })).id);
    const [one, two] = [await contact('One'), await contact('Two')];
    // Parent two is in Campaign already; parent one is not.
    const profiles = stack.campaign.client.resource({ api: 'profileAndServicesExt', name: 'profile' });
    const existing = await profiles.create({ externalId: two, firstName: 'Parent', lastName: 'Two' });
    const membership = async (name: string, parent?: string): Promise<string> =>
      String(
        (
          await d365.create('acs_memberships', {
            acs_name: name,
            ...(parent ? { 'acs_contactid@odata.bind': `/contacts(${parent})` } : {}),
          })
        ).id
      );
    const childOfOne = await membership('Child of one', one);
    const firstOfTwo = await membership('First of two', two);
    const secondOfTwo = await membership('Second of two', two);
    const orphan = await membership('Orphan');

    const pass = await runPass(activities, 'loyalty', 'full', 'initial');
    expect(pass.counts).toMatchObject({ read: 4, created: 3, rejected: 1 });

    const people = await campaignRecords(stack.campaign.client, 'profileAndServicesExt', 'profile', 'externalId');
    expect(people.size).toBe(2);
    expect(people.get(one)).toMatchObject({ firstName: 'Parent', lastName: 'One' });
    expect(people.get(two)?.PKey).toBe(existing.PKey);
    const children = await campaignRecords(
      stack.campaign.client,
      'profileAndServicesExt',
      'cusLoyalty',
      'membershipId'
    );
    const parentOf = (id: string): string =>
      String((children.get(id)?.profile as { href?: string } | undefined)?.href ?? '').replace(/^.*\//, '');
    expect(parentOf(childOfOne)).toBe(people.get(one)?.PKey);
    expect(parentOf(firstOfTwo)).toBe(existing.PKey);
    expect(parentOf(secondOfTwo)).toBe(existing.PKey);
    expect(children.has(orphan)).toBe(false);
    const csv = await readFile(join(stack.reportsFolder, 'ingress', 'loyalty', 'initial.csv'), 'utf8');
    expect(csv).toContain(
      `${orphan},(record),,(record): Campaign refused the write (POST /profileAndServicesExt/cusLoyalty: HTTP 400 RST-360012)`
    );
  });

  it('refuses a profile link written from a column that is not a lookup', async () => {
    const { activities } = stack.activities([
      PEOPLE,
      { ...LOYALTY, fields: [{ from: 'acs_membershipnumber', to: 'profile' }] },
    ]);
    await expect(activities.preflightIngress({ mapping: 'loyalty' })).resolves.toEqual({
      problems: [{ path: 'ingress[1].fields[0].from', message: expect.stringMatching(/String column/) as string }],
    });
  });
});
