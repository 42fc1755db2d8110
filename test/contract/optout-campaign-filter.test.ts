import { contactMapping, optOutBlock, type OptOutStack, startOptOutStack } from '../harness/optout-stack';

/** A Campaign whose administrator named the profile filter on externalId `byD365Contact` (not `byExternalId`). */
describe('opt-out with the contact mapping key.campaignFilter', () => {
  let s: OptOutStack;

  beforeAll(async () => {
    s = await startOptOutStack({
      campaign: { profile: { filters: { byD365Contact: { externalId_parameter: 'externalId' } } } },
      ingress: contactMapping({
        key: { from: 'contactid', to: 'externalId', campaignFilter: 'byD365Contact' },
      }),
    });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  it('finds profiles through that filter on both sides of the flow', async () => {
    const fromD365 = await s.createPair({ email: false }, { email: false });
    const fromCampaign = await s.createPair({ fax: false }, { fax: false });
    await s.baseline();
    await s.setD365(fromD365, { email: true });
    await s.setCampaign(fromCampaign, { fax: true });

    const counts = await s.round(s.activities(optOutBlock('bidirectional')), 'filter-1');

    expect(counts).toMatchObject({ applied: 2, missing: 0, rejected: 0 });
    expect((await s.profile(fromD365)).blackListEmail).toBe(true);
    expect((await s.d365(fromCampaign)).donotfax).toBe(true);
  });
});
