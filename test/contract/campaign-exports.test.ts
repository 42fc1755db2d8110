import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { parseAcsDate } from '../../src/connectors/campaign';
import { EVENT_COLUMNS, OPT_OUT_COLUMNS, parseCsv } from '../../src/sandbox/campaign';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';

async function readCsv(text: string): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const row of parseCsv(Readable.from([text]))) rows.push(row);
  return rows;
}

describe('Campaign simulator export feeds (email events and opt-out changes)', () => {
  let fx: CampaignFixture;
  beforeAll(async () => {
    fx = await startCampaignFixture({ exports: { seed: 42 } });
    fx.sim.seedProfiles(20);
  });
  afterAll(() => fx.close());

  it('writes generated events as an incremental CSV file with a header and a unique event id per event', async () => {
    const feeds = fx.sim.exports;
    if (!feeds) throw new Error('exports expected');
    expect(feeds.generateEvents(200)).toBe(200);
    const { eventsFile } = await feeds.writeNow();
    expect(eventsFile).toMatch(/^events_\d{14}_000001\.csv$/);
    const rows = await readCsv(
      await readFile(join(fx.sftpRoot, 'd365_loads/exports/events', eventsFile ?? ''), 'utf8')
    );
    expect(rows[0]).toEqual(EVENT_COLUMNS);
    const events = rows.slice(1).map((row) => Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c, row[i] ?? ''])));
    expect(events).toHaveLength(200);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(200);
    const types = new Set(events.map((e) => e.eventType));
    expect([...types].sort()).toEqual(['bounce', 'click', 'open', 'send']);
    for (const event of events) {
      expect(parseAcsDate(event.eventDate ?? '')).toBeDefined();
      expect(event.externalId).not.toBe('');
      expect(event.campaignId).not.toBe('');
      expect(event.deliveryId).not.toBe('');
      expect(event.mirrorPageUrl).toMatch(/^https:\/\//);
      if (event.eventType === 'click') expect(event.trackingUrl).toMatch(/^https:\/\//);
      else expect(event.trackingUrl).toBe('');
      if (event.eventType === 'bounce') expect(['Hard', 'Soft', 'Ignored']).toContain(event.bounceType);
      else expect(event.bounceType).toBe('');
    }
    const second = await feeds.writeNow();
    expect(second.eventsFile).toBeUndefined();
  });

  it('exports opt-out changes made through the API and by the generator, each once, in file-name time order', async () => {
    const feeds = fx.sim.exports;
    if (!feeds) throw new Error('exports expected');
    const profiles = fx.client.resource({ api: 'profileAndServices', name: 'profile' });
    const target = (await profiles.page({ lineCount: 1 })).content[0];
    await profiles.patch(target?.PKey ?? '', { blackListEmail: true });
    const first = await feeds.writeNow();
    const rows = await readCsv(
      await readFile(join(fx.sftpRoot, 'd365_loads/exports/optouts', first.optOutsFile ?? ''), 'utf8')
    );
    expect(rows[0]).toEqual([...OPT_OUT_COLUMNS]);
    expect(rows.slice(1)).toEqual([
      [expect.stringMatching(/^optout-/), String(target?.externalId), 'blackListEmail', 'true', expect.any(String)],
    ]);
    const stored = await profiles.get(target?.PKey ?? '');
    expect(rows[1]?.[4]).toBe(stored?.blackListEmailLastModified);
    expect(feeds.generateOptOutChanges(5)).toBe(5);
    const second = await feeds.writeNow();
    const more = await readCsv(
      await readFile(join(fx.sftpRoot, 'd365_loads/exports/optouts', second.optOutsFile ?? ''), 'utf8')
    );
    expect(more).toHaveLength(6);
    const names = await readdir(join(fx.sftpRoot, 'd365_loads/exports/optouts'));
    expect(names.filter((n) => n.endsWith('.part'))).toEqual([]);
    expect([...names].sort()).toEqual([first.optOutsFile, second.optOutsFile]);
  });

  it('shows generated events in the profile marketing history (GET /history/<PKey> → events.href)', async () => {
    const feeds = fx.sim.exports;
    if (!feeds) throw new Error('exports expected');
    const profiles = fx.client.resource({ api: 'profileAndServices', name: 'profile' });
    const target = (await profiles.page({ lineCount: 1 })).content[0];
    feeds.addEvent({
      eventType: 'send',
      eventDate: '2026-03-01 10:00:00.000Z',
      externalId: String(target?.externalId),
      campaignId: 'CAMP1',
      deliveryId: 'DM190',
      deliveryLabel: 'Spring',
      mirrorPageUrl: 'https://acme.campaign.adobe.com/m/?ID=x',
      trackingUrl: '',
      bounceType: '',
      bounceReason: '',
    });
    const history = await profiles.get(`${fx.sim.baseUrl}/profileAndServices/history/${target?.PKey ?? ''}`);
    expect(Number(history?.countBroadLogEvents)).toBeGreaterThanOrEqual(1);
    const eventsHref = (history?.events as { href: string }).href;
    const events = await profiles.page({}, eventsHref);
    expect(events.content).toContainEqual(
      expect.objectContaining({
        category: 'email',
        date: '2026-03-01 10:00:00.000Z',
        label: 'Send via email',
        type: 'outbound',
        mirrorPage: { href: 'https://acme.campaign.adobe.com/m/?ID=x' },
      })
    );
    await expect(profiles.get(`${fx.sim.baseUrl}/profileAndServices/history/@unknown`)).resolves.toBeUndefined();
  });

  it('is reproducible from the seed', async () => {
    const other = await startCampaignFixture({ exports: { seed: 42 } });
    try {
      other.sim.seedProfiles(20);
      other.sim.exports?.generateEvents(30);
      const a = await other.sim.exports?.writeNow();
      const text = await readFile(join(other.sftpRoot, 'd365_loads/exports/events', a?.eventsFile ?? ''), 'utf8');
      const third = await startCampaignFixture({ exports: { seed: 42 } });
      try {
        third.sim.seedProfiles(20);
        third.sim.exports?.generateEvents(30);
        const b = await third.sim.exports?.writeNow();
        const text2 = await readFile(join(third.sftpRoot, 'd365_loads/exports/events', b?.eventsFile ?? ''), 'utf8');
        const strip = (t: string) =>
          t.split('\n').map((line) => line.split(',').slice(1, 2).concat(line.split(',').slice(3, 6)).join(','));
        expect(strip(text2)).toEqual(strip(text));
      } finally {
        await third.close();
      }
    } finally {
      await other.close();
    }
  });

  it('writes gzip files when asked, and on a schedule', async () => {
    const scheduled = await startCampaignFixture({ exports: { gzip: true, intervalMs: 100, eventsPerInterval: 5 } });
    try {
      scheduled.sim.seedProfiles(5);
      const folder = join(scheduled.sftpRoot, 'd365_loads/exports/events');
      const deadline = Date.now() + 5000;
      let names: string[] = [];
      while (Date.now() < deadline) {
        names = await readdir(folder).catch(() => []);
        if (names.filter((n) => n.endsWith('.csv.gz')).length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const files = names.filter((n) => n.endsWith('.csv.gz')).sort();
      expect(files.length).toBeGreaterThanOrEqual(2);
      const text = gunzipSync(await readFile(join(folder, files[0] ?? ''))).toString('utf8');
      expect(text.startsWith(EVENT_COLUMNS.join(','))).toBe(true);
    } finally {
      await scheduled.close();
    }
  });
});
