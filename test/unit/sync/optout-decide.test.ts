import { campaignApiField, campaignTimestampField, decideOptOut, type OptOutMode } from '../../../src/sync/optout';

const EARLY = '2026-03-01T10:00:00Z';
const LATE = '2026-03-01T10:00:01Z';

type Timing = 'campaign newer' | 'd365 newer' | 'same time' | 'campaign never changed' | 'd365 never changed';
const times: Record<Timing, { d365: string | null; campaign: string | null }> = {
  'campaign newer': { d365: EARLY, campaign: LATE },
  'd365 newer': { d365: LATE, campaign: EARLY },
  'same time': { d365: EARLY, campaign: EARLY },
  'campaign never changed': { d365: EARLY, campaign: null },
  'd365 never changed': { d365: null, campaign: EARLY },
};

/** [mode, timing, D365 value, Campaign value, → value, write] — every combination of the bidirectional rule. */
const cases: [OptOutMode, Timing, boolean, boolean, boolean, 'campaign' | 'd365' | 'none'][] = [
  ['bidirectional', 'campaign newer', true, true, true, 'none'],
  ['bidirectional', 'campaign newer', true, false, false, 'd365'],
  ['bidirectional', 'campaign newer', false, true, true, 'd365'],
  ['bidirectional', 'campaign newer', false, false, false, 'none'],
  ['bidirectional', 'd365 newer', true, true, true, 'none'],
  ['bidirectional', 'd365 newer', true, false, true, 'campaign'],
  ['bidirectional', 'd365 newer', false, true, true, 'd365'],
  ['bidirectional', 'd365 newer', false, false, false, 'none'],
  ['bidirectional', 'same time', true, true, true, 'none'],
  ['bidirectional', 'same time', true, false, true, 'campaign'],
  ['bidirectional', 'same time', false, true, true, 'd365'],
  ['bidirectional', 'same time', false, false, false, 'none'],
  ['bidirectional', 'campaign never changed', false, true, true, 'd365'],
  ['bidirectional', 'campaign never changed', true, false, true, 'campaign'],
  ['bidirectional', 'd365 never changed', true, false, false, 'd365'],
  ['bidirectional', 'd365 never changed', false, true, true, 'd365'],
  ['d365-to-campaign', 'campaign newer', false, true, false, 'campaign'],
  ['d365-to-campaign', 'd365 newer', true, false, true, 'campaign'],
  ['d365-to-campaign', 'same time', true, true, true, 'none'],
  ['d365-to-campaign', 'campaign newer', false, false, false, 'none'],
  ['campaign-to-d365', 'd365 newer', true, false, false, 'd365'],
  ['campaign-to-d365', 'campaign newer', false, true, true, 'd365'],
  ['campaign-to-d365', 'same time', false, false, false, 'none'],
  ['campaign-to-d365', 'd365 newer', true, true, true, 'none'],
  ['disabled', 'campaign newer', false, true, false, 'none'],
  ['disabled', 'd365 newer', true, false, true, 'none'],
];

describe('decideOptOut', () => {
  it.each(cases)('%s, %s, D365 %s, Campaign %s → %s, write %s', (mode, timing, d365, campaign, value, write) => {
    const decision = decideOptOut(
      mode,
      { value: d365, changedAt: times[timing].d365 },
      { value: campaign, changedAt: times[timing].campaign }
    );
    expect({ value: decision.value, write: decision.write }).toEqual({ value, write });
    if (write === 'none') expect(decision.winner).toBe('none');
    if (write === 'campaign') expect(decision.winner).toBe('d365');
    if (write === 'd365') expect(decision.winner).toBe('campaign');
  });

  it('explains the decision for the audit report', () => {
    expect(
      decideOptOut('bidirectional', { value: false, changedAt: LATE }, { value: true, changedAt: EARLY }).reason
    ).toBe('D365 changed last; opt-out true wins');
    expect(
      decideOptOut('bidirectional', { value: true, changedAt: EARLY }, { value: false, changedAt: LATE }).reason
    ).toBe('Campaign changed last');
    expect(
      decideOptOut('bidirectional', { value: true, changedAt: EARLY }, { value: true, changedAt: EARLY }).reason
    ).toBe('same time; opt-out true wins; already in agreement');
  });

  it('converges in one round: applying a decision and deciding again writes nothing (no echo)', () => {
    const modes: OptOutMode[] = ['bidirectional', 'd365-to-campaign', 'campaign-to-d365'];
    for (const mode of modes) {
      for (const timing of Object.keys(times) as Timing[]) {
        for (const d365 of [true, false]) {
          for (const campaign of [true, false]) {
            const first = decideOptOut(
              mode,
              { value: d365, changedAt: times[timing].d365 },
              { value: campaign, changedAt: times[timing].campaign }
            );
            // The write stamps the written side with a fresh time, as both systems do.
            const later = '2026-03-02T00:00:00Z';
            const d365After =
              first.write === 'd365'
                ? { value: first.value, changedAt: later }
                : { value: d365, changedAt: times[timing].d365 };
            const campaignAfter =
              first.write === 'campaign'
                ? { value: first.value, changedAt: later }
                : { value: campaign, changedAt: times[timing].campaign };
            expect(decideOptOut(mode, d365After, campaignAfter).write).toBe('none');
          }
        }
      }
    }
  });

  it('treats an unreadable timestamp as the oldest', () => {
    expect(
      decideOptOut('bidirectional', { value: false, changedAt: 'garbage' }, { value: true, changedAt: EARLY }).write
    ).toBe('d365');
  });
});

describe('Campaign opt-out field names', () => {
  it.each([
    ['denyList', 'blackList', 'blackListLastModified'],
    ['denyListEmail', 'blackListEmail', 'blackListEmailLastModified'],
    ['denyListFax', 'blackListFax', 'blackListFaxLastModified'],
    ['denyListMobile', 'blackListMobile', 'blackListMobileLastModified'],
    ['denyListPhone', 'blackListPhone', 'blackListPhoneLastModified'],
    ['denyListPostalMail', 'blackListPostalMail', 'blackListPostalMailLastModified'],
    ['denyListPushnotification', 'blackListPushnotification', 'blackListPushnotificationLastModified'],
    ['ccpaOptOut', 'ccpaOptOut', 'ccpaOptOutLastModified'],
  ] as const)('%s is %s in the API, changed at %s', (attribute, field, timestamp) => {
    expect(campaignApiField(attribute)).toBe(field);
    expect(campaignTimestampField(attribute)).toBe(timestamp);
  });
});
