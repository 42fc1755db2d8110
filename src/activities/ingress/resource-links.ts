import { type AcsFields } from '../../connectors/campaign';
import { type CampaignValue } from '../../sync/ingress';
import { type ResolvedMapping, type ResourceLink } from './resolve';

/** Fields ready to write; or the links whose record Campaign does not have yet (the record waits for them). */
export type LinkedFields = { ok: true; fields: AcsFields } | { ok: false; waitingFor: string[] };

export interface ResourceLinkSources {
  /** The mapping that writes a link's records (resolved, with its Campaign resource client and key). */
  parentMapping(name: string): Promise<ResolvedMapping>;
}

/**
 * Turns the D365 ids that links to custom resources carry into `{ PKey }` of the linked records, found by the key of
 * the mapping that writes them. A linked record Campaign does not have yet is never written from here: the record
 * waits (the linked mapping writes it, and a later pass looks at the record again), so that no record is written
 * without its link, or hidden by Campaign until its parent arrives. One instance serves one page: a linked record
 * shared by several rows is looked up once.
 */
export class ResourceLinks {
  private readonly found = new Map<string, Promise<string | undefined>>();

  constructor(private readonly sources: ResourceLinkSources) {}

  /** The values with each link's D365 id replaced by `{ PKey }`; an empty link is left out (ACS cannot clear one). */
  async resolve(
    values: Readonly<Record<string, CampaignValue>>,
    links: readonly ResourceLink[]
  ): Promise<LinkedFields> {
    const fields: AcsFields = { ...values };
    const waitingFor: string[] = [];
    for (const link of links) {
      if (!(link.field in values)) continue;
      const id = values[link.field];
      if (id === null || id === '') {
        delete fields[link.field];
        continue;
      }
      const pkey = await this.pkeyOf(link, String(id));
      if (pkey === undefined)
        waitingFor.push(`${link.field}: the linked ${link.resource} record is not in Campaign yet`);
      else fields[link.field] = { PKey: pkey };
    }
    return waitingFor.length > 0 ? { ok: false, waitingFor } : { ok: true, fields };
  }

  private pkeyOf(link: ResourceLink, id: string): Promise<string | undefined> {
    const cacheKey = `${link.parent}\u0000${id.toLowerCase()}`;
    let pkey = this.found.get(cacheKey);
    if (!pkey) {
      pkey = this.find(link, id);
      this.found.set(cacheKey, pkey);
    }
    return pkey;
  }

  private async find(link: ResourceLink, id: string): Promise<string | undefined> {
    const parent = await this.sources.parentMapping(link.parent);
    return (await parent.target.findByKey({ [link.keyField]: id }))?.PKey;
  }
}
