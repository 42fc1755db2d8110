import { type AcsFields, type ResourceClient } from '../../connectors/campaign';
import { type DynamicsClient } from '../../connectors/dynamics';
import { type CampaignValue, mapRecord } from '../../sync/ingress';
import { withOptOuts } from './opt-outs-on-create';
import { type ResolvedMapping } from './resolve';
import { type RecordFields, writeRecord } from './write-record';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORMATTED_VALUES = 'OData.Community.Display.V1.FormattedValue';

type Parent = { ok: true; pkey: string } | { ok: false; reason: string };

export interface ProfileLinkSources {
  /** The mapping that writes contacts to profile, if the configuration has one. */
  parentMapping(): Promise<ResolvedMapping | undefined>;
  /** Looks profiles up by externalId when no mapping writes them. */
  profiles(): ResourceClient;
  dynamics(): DynamicsClient;
}

/**
 * Turns the contact ids a custom resource's profile links carry into `{ PKey }` of the profiles, writing a parent
 * that is not in Campaign yet from its D365 row first (parents before children), through the contact mapping.
 * One instance serves one page: a parent shared by several rows of the page is looked up and written once.
 *
 * Two passes running at once (the contact mapping's and this one) could both create a new parent; the workflows
 * should not run a child mapping's pass while its parent mapping's pass is running.
 */
export class ProfileLinks {
  private readonly parents = new Map<string, Promise<Parent>>();

  constructor(private readonly sources: ProfileLinkSources) {}

  /**
   * The values with each link field's contact id replaced by `{ PKey }`; an empty link is left out (ACS cannot clear
   * a link). Reasons, one per link that cannot be resolved, reject the record.
   */
  async resolve(values: Readonly<Record<string, CampaignValue>>, linkFields: readonly string[]): Promise<RecordFields> {
    const fields: AcsFields = { ...values };
    const reasons: string[] = [];
    for (const field of linkFields) {
      if (!(field in values)) continue;
      const id = values[field];
      if (id === null || id === '') {
        delete fields[field];
        continue;
      }
      const parent = await this.parent(String(id));
      if (parent.ok) fields[field] = { PKey: parent.pkey };
      else reasons.push(`${field}: ${parent.reason}`);
    }
    return reasons.length > 0 ? { ok: false, reasons } : { ok: true, fields };
  }

  private parent(contactId: string): Promise<Parent> {
    const key = contactId.toLowerCase();
    let parent = this.parents.get(key);
    if (!parent) {
      parent = this.findOrWrite(contactId);
      this.parents.set(key, parent);
    }
    return parent;
  }

  private async findOrWrite(contactId: string): Promise<Parent> {
    if (!GUID.test(contactId)) return { ok: false, reason: 'the linked contact id is not a D365 id' };
    const mapping = await this.sources.parentMapping();
    const profiles = mapping?.target ?? this.sources.profiles();
    const found = await profiles.findByKey({ externalId: contactId });
    if (found) return { ok: true, pkey: found.PKey };
    if (!mapping) {
      return { ok: false, reason: 'the linked contact is not in Campaign, and no ingress mapping writes contacts' };
    }
    const row = await this.contactRow(mapping, contactId);
    if (!row) return { ok: false, reason: 'the linked contact does not exist in D365' };
    const mapped = mapRecord(row, mapping.plan, 'full');
    if (mapped.kind === 'filtered-out') {
      return {
        ok: false,
        reason: `the filter of ingress mapping ${mapping.mapping.name} keeps the linked contact out`,
      };
    }
    if (mapped.kind === 'rejected') {
      return { ok: false, reason: `ingress mapping ${mapping.mapping.name} rejects the linked contact` };
    }
    const created = withOptOuts(mapped.values, row, mapping.optOutsOnCreate);
    await writeRecord(mapping, mapped.key, mapped.values, () => Promise.resolve({ ok: true, fields: created }));
    const written = await profiles.findByKey({ externalId: contactId });
    return written ? { ok: true, pkey: written.PKey } : { ok: false, reason: 'the linked profile was not written' };
  }

  private async contactRow(mapping: ResolvedMapping, contactId: string): Promise<Record<string, unknown> | undefined> {
    const { entitySetName, primaryIdAttribute } = mapping.table;
    const pages = this.sources.dynamics().readPages(entitySetName, {
      select: [...mapping.plan.select],
      filter: `${primaryIdAttribute} eq ${contactId}`,
      includeAnnotations: FORMATTED_VALUES,
    });
    try {
      const first = await pages.next();
      return first.done ? undefined : first.value.rows[0];
    } finally {
      await pages.return(undefined);
    }
  }
}
