import { type AcsRecord } from '../../connectors/campaign';
import { type ResolvedMapping } from '../ingress/resolve';

/** Campaign records per listing page. */
const CAMPAIGN_PAGE = 500;

/**
 * Links to custom resources as verify compares them: by the key of the linked record (the D365 id the mapping's
 * lookup holds), not by Campaign's PKey. The linked resources are listed once: PKey → key, keys only in memory.
 */
export class LinkKeys {
  private readonly byLink = new Map<string, Promise<Map<string, string>>>();

  constructor(
    private readonly resolved: ResolvedMapping,
    private readonly linkedMapping: (name: string) => Promise<ResolvedMapping>
  ) {}

  /** The record with each link field replaced by the linked record's key (lower-cased), or null for none or unknown. */
  async translate(record: AcsRecord): Promise<AcsRecord> {
    if (this.resolved.resourceLinks.length === 0) return record;
    const translated: AcsRecord = { ...record };
    for (const link of this.resolved.resourceLinks) {
      const pkey = pkeyOfLink(record[link.field]);
      translated[link.field] = pkey === undefined ? null : ((await this.keysOf(link.parent)).get(pkey) ?? null);
    }
    return translated;
  }

  private keysOf(parent: string): Promise<Map<string, string>> {
    let keys = this.byLink.get(parent);
    if (!keys) {
      keys = this.list(parent);
      this.byLink.set(parent, keys);
    }
    return keys;
  }

  private async list(parent: string): Promise<Map<string, string>> {
    const linked = await this.linkedMapping(parent);
    const keys = new Map<string, string>();
    for await (const record of linked.target.list({ lineCount: CAMPAIGN_PAGE })) {
      const key = record[linked.mapping.key.to];
      if (typeof key === 'string' && key !== '') keys.set(record.PKey, key.toLowerCase());
    }
    return keys;
  }
}

/** The PKey a link points to: the last segment of its `href` (`{}` when the link is empty). */
export function pkeyOfLink(value: unknown): string | undefined {
  const href = (value as { href?: unknown } | null | undefined)?.href;
  if (typeof href !== 'string' || href === '') return undefined;
  return decodeURIComponent(href.slice(href.lastIndexOf('/') + 1));
}
