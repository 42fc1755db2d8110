import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatAcsDateTime } from '../../src/connectors/campaign';
import { contactMapping, type Flags, optOutBlock, type OptOutStack, startOptOutStack } from '../harness/optout-stack';

const HOUR = 3_600_000;

let s: OptOutStack;

beforeAll(async () => {
  s = await startOptOutStack();
}, 60_000);

afterAll(async () => {
  await s?.close();
});

beforeEach(() => {
  s.d365Offset.ms = 0;
});

async function flags(id: string): Promise<{ d365: Flags; campaign: Flags }> {
  const [row, profile] = await Promise.all([s.d365(id), s.profile(id)]);
  return {
    d365: { email: row.donotemail === true, fax: row.donotfax === true },
    campaign: { email: profile.blackListEmail === true, fax: profile.blackListFax === true },
  };
}

/** Sets D365 with its clock moved by `offsetMs` (then back). */
async function setD365At(id: string, values: Flags, offsetMs: number): Promise<void> {
  s.d365Offset.ms = offsetMs;
  try {
    await s.setD365(id, values);
  } finally {
    s.d365Offset.ms = 0;
  }
}

/** Gives the profile's blackListEmailLastModified exactly the contact's modifiedon (the simulator's store, test only). */
async function alignCampaignTime(id: string): Promise<void> {
  const modifiedOn = String((await s.d365(id)).modifiedon);
  const table = s.campaignSim.store.table('profile');
  const record = table?.get(table.findEqual('externalId', id)[0] ?? '');
  if (!record) throw new Error(`no stored profile ${id}`);
  record.values.blackListEmailLastModified = formatAcsDateTime(new Date(modifiedOn));
}

describe('opt-out modes', () => {
  it('d365-to-campaign writes D365 changes to Campaign, even over a newer Campaign value; Campaign-only changes stay', async () => {
    const changed = await s.createPair({ email: false }, { email: false });
    const overNewer = await s.createPair({ email: true }, { email: false });
    const campaignOnly = await s.createPair({}, {});
    await s.baseline();
    await s.setD365(changed, { email: true });
    await setD365At(overNewer, { email: false, fax: true }, -HOUR);
    await s.setCampaign(overNewer, { email: true });
    await s.setCampaign(campaignOnly, { fax: true });

    const counts = await s.round(s.activities(optOutBlock('d365-to-campaign')), 'd2c', { files: false });

    expect(await flags(changed)).toEqual({ d365: { email: true, fax: false }, campaign: { email: true, fax: false } });
    expect(await flags(overNewer)).toEqual({
      d365: { email: false, fax: true },
      campaign: { email: false, fax: true },
    });
    expect(await flags(campaignOnly)).toEqual({
      d365: { email: false, fax: false },
      campaign: { email: false, fax: true },
    });
    expect(counts).toMatchObject({ read: 2, applied: 3, conflicts: 0, missing: 0, rejected: 0 });
  });

  it('campaign-to-d365 applies the opt-out files to D365, even over a newer D365 value', async () => {
    const changed = await s.createPair({ email: false }, { email: false });
    const overNewer = await s.createPair({ email: false }, { email: true });
    const d365Only = await s.createPair({}, {});
    await s.baseline();
    await s.setCampaign(changed, { email: true });
    await s.setCampaign(overNewer, { email: false });
    await setD365At(overNewer, { email: true }, HOUR);
    await s.setD365(d365Only, { fax: true });

    const counts = await s.round(s.activities(optOutBlock('campaign-to-d365')), 'c2d', { d365: false });

    expect(await flags(changed)).toEqual({ d365: { email: true, fax: false }, campaign: { email: true, fax: false } });
    expect((await flags(overNewer)).d365.email).toBe(false);
    expect(await flags(d365Only)).toEqual({
      d365: { email: false, fax: true },
      campaign: { email: false, fax: false },
    });
    expect(counts).toMatchObject({ read: 2, applied: 2, conflicts: 0, missing: 0, rejected: 0 });
  });

  it('disabled writes nothing on either side', async () => {
    const id = await s.createPair({ email: false }, { email: false });
    await s.baseline();
    await s.setD365(id, { email: true });
    await s.setCampaign(id, { fax: true });

    const counts = await s.round(s.activities(optOutBlock('disabled')), 'off');

    expect(await flags(id)).toEqual({ d365: { email: true, fax: false }, campaign: { email: false, fax: true } });
    expect(counts.applied).toBe(0);
  });
});

describe('bidirectional', () => {
  type Order = 'campaign newer' | 'd365 newer' | 'same time';
  const cases = (['campaign newer', 'd365 newer', 'same time'] as Order[]).flatMap((order) =>
    [true, false].flatMap((d365) => [true, false].map((campaign) => ({ order, d365, campaign })))
  );

  it('applies the timestamp rule to every true/false combination, converges in one round, and a second round writes nothing', async () => {
    const ids: string[] = [];
    for (const c of cases) ids.push(await s.createPair({ email: !c.d365 }, { email: !c.campaign }));
    await s.baseline();
    for (const [index, c] of cases.entries()) {
      const id = ids[index] as string;
      if (c.order === 'campaign newer') {
        await setD365At(id, { email: c.d365 }, -HOUR);
        await s.setCampaign(id, { email: c.campaign });
      } else if (c.order === 'd365 newer') {
        await s.setCampaign(id, { email: c.campaign });
        await setD365At(id, { email: c.d365 }, HOUR);
      } else {
        await s.setD365(id, { email: c.d365 });
        await s.setCampaign(id, { email: c.campaign });
        await alignCampaignTime(id);
      }
    }
    const activities = s.activities(optOutBlock('bidirectional'));

    const first = await s.round(activities, 'bi-1');

    for (const [index, c] of cases.entries()) {
      const expected = c.order === 'campaign newer' ? c.campaign : c.d365 || c.campaign;
      const now = await flags(ids[index] as string);
      expect({ ...c, d365: now.d365.email, campaign: now.campaign.email }).toEqual({
        ...c,
        d365: expected,
        campaign: expected,
      });
    }
    const disagreeing = cases.filter((c) => c.d365 !== c.campaign).length;
    expect(first).toMatchObject({ applied: disagreeing, conflicts: disagreeing, missing: 0, rejected: 0 });

    // The values written in round 1 come back as D365 changes and Campaign opt-out lines: they must write nothing.
    const second = await s.round(activities, 'bi-2');
    expect(second.read).toBeGreaterThan(0);
    expect(second).toMatchObject({ applied: 0, conflicts: 0 });
    for (const [index, c] of cases.entries()) {
      const expected = c.order === 'campaign newer' ? c.campaign : c.d365 || c.campaign;
      expect((await flags(ids[index] as string)).d365.email).toBe(expected);
    }
  });

  it('decides every pair of a record a file line touches, so a D365 write does not turn an older D365 value into the newer one', async () => {
    s.d365Offset.ms = -HOUR;
    const id = await s.createPair({ email: false, fax: true }, { email: false, fax: true });
    s.d365Offset.ms = 0;
    await s.setCampaign(id, { fax: false });
    await s.baseline();
    await s.setCampaign(id, { email: true });
    const activities = s.activities(optOutBlock('bidirectional'));

    const first = await s.round(activities, 'pairs-1');
    const second = await s.round(activities, 'pairs-2');

    expect(await flags(id)).toEqual({ d365: { email: true, fax: false }, campaign: { email: true, fax: false } });
    expect(first).toMatchObject({ applied: 2, conflicts: 2 });
    expect(second).toMatchObject({ applied: 0, conflicts: 0 });
  });

  it('reads the current profile for a file line, so a stale line does not undo a later Campaign change', async () => {
    const id = await s.createPair({ email: false }, { email: false });
    await s.baseline();
    await s.setCampaign(id, { email: true });
    await s.setCampaign(id, { email: false });

    const counts = await s.round(s.activities(optOutBlock('bidirectional')), 'stale-1');

    expect(counts).toMatchObject({ read: 2, applied: 0 });
    expect(await flags(id)).toEqual({ d365: { email: false, fax: false }, campaign: { email: false, fax: false } });
  });

  it('writes an audit line per write without names or e-mail addresses', async () => {
    const id = await s.createPair({ email: false }, { email: false });
    await s.baseline();
    await s.setD365(id, { email: true });

    await s.round(s.activities(optOutBlock('bidirectional')), 'audit-1');

    const audit = await readFile(path.join(s.config.reports.folder, 'optout', 'audit-1.csv'), 'utf8');
    const lines = audit.trim().split('\n');
    expect(lines[0]).toBe('key,attribute,old,new,winner,reason');
    expect(lines.find((line) => line.startsWith(`${id},denyListEmail,false,true,d365,`))).toBeDefined();
    expect(audit).not.toContain('@example.com');
    expect(audit).not.toContain('Tester');
  });
});

describe('missing counterparts', () => {
  it('counts a contact without a profile and a file line without a contact as missing, and writes nothing for them', async () => {
    const noProfile = await s.createPair({ email: false }, {}, false);
    await s.baseline();
    await s.setD365(noProfile, { email: true });
    await s.profiles.create({ externalId: '7d1c4b0e-0000-4000-8000-000000000001', blackListEmail: true });
    await s.profiles.create({ externalId: 'not-a-contact-id', blackListEmail: true });

    const counts = await s.round(s.activities(optOutBlock('bidirectional')), 'missing-1');

    expect(counts).toMatchObject({ read: 3, applied: 0, missing: 3, rejected: 0 });
    expect((await s.d365(noProfile)).donotemail).toBe(true);
    const audit = await readFile(path.join(s.config.reports.folder, 'optout', 'missing-1.csv'), 'utf8');
    expect(audit).toContain(
      `${noProfile},,,,none,no Campaign profile has this contact id as externalId yet; a later pass looks again`
    );
    expect(audit).toMatch(
      /7d1c4b0e-0000-4000-8000-000000000001,denyListEmail,,,none,optouts_\d+_\d+\.csv line 2: no D365 contact/
    );
  });

  it.each(['d365-to-campaign', 'bidirectional'] as const)(
    '%s: a contact opted out before ingress wrote its profile is revisited until the profile exists',
    async (mode) => {
      const activities = s.activities(optOutBlock(mode));
      await s.baseline();
      const early = await s.createPair({ email: true }, {}, false);
      const gone = await s.createPair({ fax: true }, {}, false);

      const first = await s.round(activities, `early-${mode}-1`);
      expect(first).toMatchObject({ read: 2, applied: 0, missing: 2, outOfScope: 0 });
      expect(new Set(s.pending)).toEqual(new Set([early, gone]));

      // Ingress writes the profile (no opt-out attribute: not a Campaign-side change); D365 deletes the other contact.
      await s.createProfile(early);
      await s.deleteContact(gone);
      const second = await s.round(activities, `early-${mode}-2`);

      expect(second).toMatchObject({ applied: 1, missing: 0, rejected: 0 });
      expect(await flags(early)).toEqual({ d365: { email: true, fax: false }, campaign: { email: true, fax: false } });
      expect(s.pending).toEqual([]);
      const third = await s.round(activities, `early-${mode}-3`);
      expect(third).toMatchObject({ read: 0, applied: 0 });
    }
  );

  it('counts a contact ingress will never write as out of scope, and does not revisit it', async () => {
    const filtered = s.activities(
      optOutBlock('d365-to-campaign'),
      contactMapping({ filter: { match: 'all', rules: [{ field: 'lastname', op: 'ne', value: 'Outsider' }] } })
    );
    await s.baseline();
    const outsider = await s.createPair({ email: true }, {}, false, { lastname: 'Outsider' });
    const insider = await s.createPair({ email: true }, {}, false);

    // The delta link of the baseline selects no lastname: the filter cannot tell yet, both are looked at again.
    const first = await s.round(filtered, 'scope-1');
    expect(first).toMatchObject({ read: 2, missing: 2, outOfScope: 0 });
    const second = await s.round(filtered, 'scope-2');

    expect(second).toMatchObject({ read: 2, missing: 1, outOfScope: 1 });
    expect(s.pending).toEqual([insider]);
    const audit = await readFile(path.join(s.config.reports.folder, 'optout', 'scope-2.csv'), 'utf8');
    expect(audit).toContain(
      `${outsider},,,,none,"no Campaign profile has this contact id, and the filter of ingress mapping contacts keeps this contact out; skipped"`
    );
    await s.baseline();
    await s.setD365(insider, { fax: true });
    const noIngress = await s.round(s.activities(optOutBlock('d365-to-campaign'), []), 'scope-3');
    expect(noIngress).toMatchObject({ read: 1, missing: 0, outOfScope: 1 });
    expect(s.pending).toEqual([]);
  });

  it('rejects a contact whose externalId two profiles share, instead of failing the page', async () => {
    const shared = await s.createPair({ email: false }, { email: false });
    await s.baseline();
    await s.profiles.create({ externalId: shared, blackListEmail: true });
    await s.setD365(shared, { fax: true });

    const counts = await s.round(s.activities(optOutBlock('bidirectional')), 'shared-1');

    expect(counts).toMatchObject({ read: 2, applied: 0, rejected: 2 });
    expect((await s.d365(shared)).donotemail).toBe(false);
    const audit = await readFile(path.join(s.config.reports.folder, 'optout', 'shared-1.csv'), 'utf8');
    expect(audit).toContain('2 Campaign profiles have this externalId; make it unique in Campaign');
  });
});
