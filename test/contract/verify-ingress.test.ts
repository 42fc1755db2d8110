import { createActivities } from '../../src/activities';
import { PROFILE_EXTERNAL_ID_KEY, type ResourceClient } from '../../src/connectors/campaign';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { runPass } from '../harness/ingress-passes';
import { contactsToProfiles } from '../harness/mappings';

const MAPPING = 'contacts';

/**
 * The ingress verify activity in-process against both simulators: what it compares (the fields the flow keeps
 * updated) and what it does not count as drift (records changed after verify started).
 */
describe('verifyIngress', () => {
  let stack: FlowStack;
  let activities: ReturnType<typeof createActivities>;
  let profiles: ResourceClient;
  const contactIds: string[] = [];

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 12 },
      flows: {
        ingress: [
          contactsToProfiles(MAPPING, {
            fields: [
              { from: 'firstname', to: 'firstName' },
              { from: 'lastname', to: 'lastName' },
              { from: 'birthdate', to: 'birthDate', applyUpdates: false },
            ],
          }),
        ],
      },
    });
    activities = createActivities({ resources: stack.resources });
    profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    await runPass(activities, MAPPING, 'full', 'initial');
    for await (const page of stack.resources.dynamics().readPages('contacts', { select: ['contactid'] }))
      contactIds.push(...page.rows.map((row) => String(row.contactid)));
  });
  afterAll(async () => {
    await stack?.close();
  });

  const verifyNow = (startedAtMs = Date.now()) =>
    activities.verifyIngress({ mapping: MAPPING, verifyId: `t${startedAtMs}`, timing: { startedAtMs, quietMs: 0 } });
  const profileOf = async (id: string) => {
    const profile = await profiles.findByKey({ externalId: id });
    if (!profile) throw new Error(`no profile for ${id}`);
    return profile;
  };

  it('does not compare applyUpdates: false fields (Campaign owns them after creation)', async () => {
    const [id = ''] = contactIds;
    await profiles.patch((await profileOf(id)).PKey, { birthDate: '1901-02-03' });
    const result = await verifyNow();
    expect(result.drift.fields).toBe(0);
    expect(result.counts).toMatchObject({ agree: 12, expected: 12 });
  });

  it('counts records changed after verify started apart, on either side, and not as drift', async () => {
    const [, campaignSide = '', d365Side = '', before = ''] = contactIds;
    await profiles.patch((await profileOf(before)).PKey, { lastName: 'Changed before' });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // D365 keeps modifiedon to the second
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await profiles.patch((await profileOf(campaignSide)).PKey, { firstName: 'Changed during' });
    await stack.resources.dynamics().update('contacts', d365Side, { firstname: 'Changed during' });

    const result = await verifyNow(startedAt);
    expect(result.counts.changedDuringVerify).toBe(2);
    expect(result.keys).toEqual([{ key: before, category: 'fields', fields: ['lastName'] }]);
  });

  it('counts a D365 change within the quiet period as pending, and a Campaign edit as drift however recent', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the second of the last D365 change
    const result = await activities.verifyIngress({
      mapping: MAPPING,
      verifyId: 'quiet',
      timing: { startedAtMs: Date.now(), quietMs: 3_600_000 },
    });
    // The contact changed in D365 waits for its pass; the two profiles edited in Campaign are nobody's work in progress.
    expect(result.counts.pending).toBe(1);
    expect(result.drift.fields).toBe(2);
  });
});
