import { type WorkerResources } from '../../src/activities';
import { PROFILE_EXTERNAL_ID_KEY, type ResourceClient } from '../../src/connectors/campaign';

/** The D365 tables egress writes one activity per event into. */
export const ACTIVITY_TABLES = ['acs_emailsends', 'acs_emailopens', 'acs_emailclicks', 'acs_emailbounces'];

/**
 * mulberry32: a small seedable PRNG, so that a failing trial can be run again with the same kill points.
 * @returns a function giving the next number in [0, 1)
 */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of a randomized test: `process.env[envName]` when set (to replay a failure), else a fresh one. Printed,
 * so that a failing run can be repeated exactly.
 */
export function seedFromEnv(envName: string, label: string): number {
  const fromEnv = process.env[envName];
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed)) throw new Error(`${envName} must be an integer, got ${fromEnv}`);
  process.stdout.write(`${label}: seed ${seed} (repeat with ${envName}=${seed})\n`);
  return seed;
}

/** How many activities D365 holds per Campaign event id, over the four activity tables. */
export async function activitiesPerEventId(resources: WorkerResources): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of ACTIVITY_TABLES) {
    for await (const page of resources.dynamics().readPages(table, { select: ['acs_eventid'] })) {
      for (const row of page.rows) {
        const id = String(row.acs_eventid);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** Event ids with more than one activity (must stay empty). */
export function duplicatedEventIds(counts: Map<string, number>): string[] {
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}

/** The profile resource addressed by externalId, as the flows write it. */
export function profilesByExternalId(resources: WorkerResources): ResourceClient {
  return resources.campaign().resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
}

/** One opt-out pair: the Campaign API attribute and the D365 column. */
export interface ApiOptOutPair {
  campaign: string;
  dynamics: string;
}

/**
 * Both sides of every opt-out pair for every contact that has a profile, as `{ id: [flags] }` per system, for one
 * `toEqual`: the flow converged when the two maps are equal.
 */
export async function optOutSides(
  resources: WorkerResources,
  pairs: readonly ApiOptOutPair[]
): Promise<{ d365: Record<string, boolean[]>; campaign: Record<string, boolean[]> }> {
  const profiles = new Map<string, Record<string, unknown>>();
  for await (const record of profilesByExternalId(resources).list({ lineCount: 500 })) {
    if (typeof record.externalId === 'string' && record.externalId !== '') profiles.set(record.externalId, record);
  }
  const d365: Record<string, boolean[]> = {};
  const campaign: Record<string, boolean[]> = {};
  const select = ['contactid', ...pairs.map((pair) => pair.dynamics)];
  for await (const page of resources.dynamics().readPages('contacts', { select })) {
    for (const row of page.rows) {
      const id = String(row.contactid);
      const profile = profiles.get(id);
      if (!profile) continue;
      d365[id] = pairs.map((pair) => row[pair.dynamics] === true);
      campaign[id] = pairs.map((pair) => profile[pair.campaign] === true);
    }
  }
  return { d365, campaign };
}

/** Ids of up to `count` active contacts. */
export async function activeContactIds(resources: WorkerResources, count: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of resources
    .dynamics()
    .readPages('contacts', { select: ['contactid'], filter: 'statecode eq 0' })) {
    ids.push(...page.rows.map((row) => String(row.contactid)));
    if (ids.length >= count) break;
  }
  return ids.slice(0, count);
}
