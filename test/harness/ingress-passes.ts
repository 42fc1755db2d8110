import { type IngressActivities } from '../../src/activities/ingress';
import { type IngressCounts, ZERO_COUNTS } from '../../src/activities/ingress/contracts';
import { type IngressMode } from '../../src/sync/ingress';
import { type AcsRecord, type CampaignClient, type KeyDefinition } from '../../src/connectors/campaign';

/** Runs page after page, as the pass workflow does, until the delta link; returns it with the summed counts. */
export async function runPass(
  activities: IngressActivities,
  mapping: string,
  mode: IngressMode,
  reportId: string,
  link?: string
): Promise<{ deltaLink: string; counts: IngressCounts; pages: number }> {
  const counts: IngressCounts = { ...ZERO_COUNTS };
  let next = link;
  for (let pages = 1; pages < 1000; pages++) {
    const result = await activities.syncIngressPage({ mapping, mode, reportId, ...(next ? { link: next } : {}) });
    for (const name of Object.keys(counts) as (keyof IngressCounts)[]) counts[name] += result.counts[name];
    if (result.deltaLink) return { deltaLink: result.deltaLink, counts, pages };
    next = result.nextLink;
  }
  throw new Error('the pass did not end');
}

/** Every Campaign record of a resource, by the value of its key field. */
export async function campaignRecords(
  client: CampaignClient,
  api: 'profileAndServicesExt' | 'customResources',
  name: string,
  keyField: string
): Promise<Map<string, AcsRecord>> {
  const records = new Map<string, AcsRecord>();
  for await (const record of client.resource({ api, name }).list({ lineCount: 100 })) {
    records.set(String(record[keyField]), record);
  }
  return records;
}

export function filterKey(field: string, filter: string): KeyDefinition {
  return { fields: [field], lookup: { type: 'filter', filter, parameters: { [field]: `${field}_parameter` } } };
}
