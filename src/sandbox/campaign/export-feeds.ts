import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { formatAcsDateTime } from '../../sync/acs-dates';
import { csvLine } from './csv';
import { type CampaignStore, type StoredRecord } from './record-store';
import { OPT_OUT_ATTRIBUTES } from './resource-model';
import { SeededRandom } from './random';

export type EmailEventType = 'send' | 'open' | 'click' | 'bounce';
export type BounceType = 'Hard' | 'Soft' | 'Ignored';

/** One row of an event export file (see docs/campaign-files.md). */
export interface EmailEvent {
  eventId: string;
  eventType: EmailEventType;
  eventDate: string;
  externalId: string;
  campaignId: string;
  deliveryId: string;
  deliveryLabel: string;
  mirrorPageUrl: string;
  trackingUrl: string;
  bounceType: BounceType | '';
  bounceReason: string;
}

export const EVENT_COLUMNS: ReadonlyArray<keyof EmailEvent> = [
  'eventId',
  'eventType',
  'eventDate',
  'externalId',
  'campaignId',
  'deliveryId',
  'deliveryLabel',
  'mirrorPageUrl',
  'trackingUrl',
  'bounceType',
  'bounceReason',
];

export const OPT_OUT_COLUMNS = ['changeId', 'externalId', 'attribute', 'value', 'changedAt'] as const;

export interface ExportFeedOptions {
  /** Root of the SFTP folder. */
  sftpRoot: string;
  /** Event files folder, relative to the root. @default 'd365_loads/exports/events' */
  eventsDir?: string;
  /** Opt-out files folder, relative to the root. @default 'd365_loads/exports/optouts' */
  optOutsDir?: string;
  /** Seed of the event and opt-out generator. @default 1 */
  seed?: number;
  /** Write `.csv.gz` instead of `.csv`. @default false */
  gzip?: boolean;
  /** Host used in mirror page URLs. @default 'acme.campaign.adobe.com' */
  instanceHost?: string;
}

interface Delivery {
  campaignId: string;
  deliveryId: string;
  label: string;
  urls: string[];
}

const HISTORY_PER_PROFILE = 200;

const BOUNCES: Array<{ type: BounceType; reason: string }> = [
  { type: 'Hard', reason: 'User unknown' },
  { type: 'Hard', reason: 'Address on denylist' },
  { type: 'Soft', reason: 'Mailbox full' },
  { type: 'Soft', reason: 'Invalid domain' },
  { type: 'Ignored', reason: 'Duplicate' },
];

/** Email events and opt-out changes, written as incremental CSV files into the SFTP folder. */
export class ExportFeeds {
  private readonly random: SeededRandom;
  private readonly deliveries: Delivery[];
  private pendingEvents: EmailEvent[] = [];
  private readonly history = new Map<string, EmailEvent[]>();
  private eventSeq = 0;
  private fileSeq = 0;
  private optOutWatermark = 0;
  private readonly idBase = Date.now().toString(36);

  constructor(
    private readonly store: CampaignStore,
    private readonly options: ExportFeedOptions
  ) {
    this.random = new SeededRandom(options.seed ?? 1);
    this.deliveries = [1, 2, 3].map((n) => ({
      campaignId: `CAMP${String(2026000 + n)}`,
      deliveryId: `DM${String(100 + n)}`,
      label: `Newsletter ${n}`,
      urls: [`https://www.example.com/offer/${n}`, `https://www.example.com/news/${n}`],
    }));
  }

  /** Events waiting for the next file. */
  get pendingEventCount(): number {
    return this.pendingEvents.length;
  }

  /** Adds an event as-is (for tests that need a precise event). */
  addEvent(event: Omit<EmailEvent, 'eventId'> & { eventId?: string }): EmailEvent {
    const full: EmailEvent = { ...event, eventId: event.eventId ?? this.nextEventId(event.eventType) };
    this.record(full);
    return full;
  }

  /**
   * Generates about `count` events for random profiles that have an externalId: a send, then a bounce, or an open
   * that may lead to a click. @returns the number generated (0 when no profile has an externalId)
   */
  generateEvents(count: number): number {
    const profiles = this.profilesWithExternalId();
    if (profiles.length === 0) return 0;
    let generated = 0;
    while (generated < count) {
      const externalId = String(this.random.pick(profiles).values.externalId);
      const delivery = this.random.pick(this.deliveries);
      const eventDate = formatAcsDateTime(new Date());
      const base = { externalId, eventDate, delivery };
      this.push('send', base);
      generated += 1;
      const roll = this.random.next();
      if (roll < 0.1 && generated < count) {
        const bounce = this.random.pick(BOUNCES);
        this.push('bounce', base, { bounceType: bounce.type, bounceReason: bounce.reason });
        generated += 1;
      } else if (roll < 0.6 && generated < count) {
        this.push('open', base);
        generated += 1;
        if (this.random.next() < 0.4 && generated < count) {
          this.push('click', base, { trackingUrl: this.random.pick(delivery.urls) });
          generated += 1;
        }
      }
    }
    return generated;
  }

  /** Flips random opt-out attributes on random profiles with an externalId (as if users opted out in Campaign). */
  generateOptOutChanges(count: number): number {
    const profiles = this.profilesWithExternalId();
    const table = this.store.table('profile');
    if (profiles.length === 0 || !table) return 0;
    for (let i = 0; i < count; i += 1) {
      const record = this.random.pick(profiles);
      const attribute = this.random.next() < 0.6 ? 'blackListEmail' : this.random.pick(OPT_OUT_ATTRIBUTES);
      // A change made inside Campaign, not by an API client: it costs the integration no engine call.
      this.store.update(
        table,
        record,
        { values: { [attribute]: record.values[attribute] !== true }, links: {} },
        false
      );
    }
    return count;
  }

  /** Writes pending events and opt-out changes since the last file; a feed with nothing new writes no file. */
  async writeNow(): Promise<{ eventsFile?: string; optOutsFile?: string }> {
    const result: { eventsFile?: string; optOutsFile?: string } = {};
    const events = this.pendingEvents;
    this.pendingEvents = [];
    if (events.length > 0) {
      const lines = [
        csvLine(EVENT_COLUMNS),
        ...events.map((event) => csvLine(EVENT_COLUMNS.map((column) => event[column]))),
      ];
      result.eventsFile = await this.writeFile(this.options.eventsDir ?? 'd365_loads/exports/events', 'events', lines);
    }
    const changes = this.store.optOutChanges.filter((change) => change.seq > this.optOutWatermark);
    if (changes.length > 0) {
      this.optOutWatermark = changes[changes.length - 1]?.seq ?? this.optOutWatermark;
      const lines = [
        csvLine(OPT_OUT_COLUMNS),
        ...changes.map((c) =>
          csvLine([`optout-${this.idBase}-${c.seq}`, c.externalId, c.attribute, c.value, c.changedAt])
        ),
      ];
      result.optOutsFile = await this.writeFile(
        this.options.optOutsDir ?? 'd365_loads/exports/optouts',
        'optouts',
        lines
      );
    }
    return result;
  }

  private push(
    type: EmailEventType,
    base: { externalId: string; eventDate: string; delivery: Delivery },
    extra: Partial<EmailEvent> = {}
  ): void {
    const host = this.options.instanceHost ?? 'acme.campaign.adobe.com';
    this.record({
      eventId: this.nextEventId(type),
      eventType: type,
      eventDate: base.eventDate,
      externalId: base.externalId,
      campaignId: base.delivery.campaignId,
      deliveryId: base.delivery.deliveryId,
      deliveryLabel: base.delivery.label,
      mirrorPageUrl: `https://${host}/m/?ID=${base.delivery.deliveryId}-${base.externalId}`,
      trackingUrl: '',
      bounceType: '',
      bounceReason: '',
      ...extra,
    });
  }

  /** The events of one profile, oldest first (the last 200 per profile are kept), for the marketing history API. */
  eventsOf(externalId: string): EmailEvent[] {
    return this.history.get(externalId) ?? [];
  }

  private record(event: EmailEvent): void {
    this.pendingEvents.push(event);
    const events = this.history.get(event.externalId) ?? [];
    events.push(event);
    if (events.length > HISTORY_PER_PROFILE) events.shift();
    this.history.set(event.externalId, events);
  }

  private nextEventId(type: EmailEventType): string {
    this.eventSeq += 1;
    return `${type}-${this.idBase}-${this.eventSeq}`;
  }

  private profilesWithExternalId(): StoredRecord[] {
    const table = this.store.table('profile');
    return table
      ? [...table.values()].filter((r) => typeof r.values.externalId === 'string' && r.values.externalId !== '')
      : [];
  }

  /** Writes `<prefix>_<UTC yyyyMMddHHmmss>_<seq>.csv[.gz]` through a `.part` file, so readers never see half a file. */
  private async writeFile(dir: string, prefix: string, lines: string[]): Promise<string> {
    const folder = join(this.options.sftpRoot, dir);
    await mkdir(folder, { recursive: true });
    this.fileSeq += 1;
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const name = `${prefix}_${stamp}_${String(this.fileSeq).padStart(6, '0')}.csv${this.options.gzip ? '.gz' : ''}`;
    const part = join(folder, `${name}.part`);
    const source = Readable.from(lines);
    if (this.options.gzip) await pipeline(source, createGzip(), createWriteStream(part));
    else await pipeline(source, createWriteStream(part));
    await rename(part, join(folder, name));
    return name;
  }
}
