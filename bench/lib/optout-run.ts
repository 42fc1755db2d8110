import { stopProcess } from '../../src/sandbox/dev-server';
import { type CampaignCostOptions } from '../../src/sandbox/campaign';
import { type DynamicsCostOptions, type ServiceProtectionLimits } from '../../src/sandbox/dynamics';
import { type TableStore } from '../../src/sandbox/dynamics/table-store';
import { type OptOutCounts } from '../../src/sync/optout/counts';
import { startFlows } from '../../src/temporal/start-flows';
import { optOutStatusQuery } from '../../src/workflows/optout/messages';
import { sentDuringPenalty } from '../../test/harness/penalty';
import { FirstPassWatch } from './first-pass';
import { inFlightTimeline, type InFlightTimeline } from './penalty';
import { startBenchStack, type BenchStack } from './stack';

/** What one opt-out pass (campaign-to-d365) through the real worker measured. */
export interface OptOutRun {
  contacts: number;
  counts: OptOutCounts;
  /** Contacts whose paired D365 columns hold Campaign's values at the end. */
  matching: number;
  /** D365 contact updates the flips called for (one per contact: each differs from Campaign on one pair or two). */
  updates: number;
  /** Web API requests D365 answered during the pass, and how many of them were 429. */
  requests: number;
  throttled: number;
  /** Seconds from the pass's start to D365's last answer. */
  busySeconds: number;
  /** Requests D365 received from the worker while it had been told to wait (see `sentDuringPenalty`). */
  sentDuringPenalty: number;
  /** Requests in flight over the pass (from the simulator's last 10,000 records: the whole pass when fewer). */
  timeline: InFlightTimeline;
  /** Whether the simulator still holds every request of the pass (else the timeline covers its end only). */
  timelineComplete: boolean;
}

export interface OptOutRunOptions {
  /** Contacts in D365, each with its profile in Campaign, every one flipped in Campaign. */
  contacts: number;
  limits: ServiceProtectionLimits;
  dynamicsCost: DynamicsCostOptions;
  campaignCost: CampaignCostOptions;
  /** `campaign.maxConcurrentRequests`: the lines applied at once, each waiting for its profile. @default the product default */
  campaignConcurrency?: number;
  /** `dynamics.maxConcurrentRequests`. @default the product default */
  dynamicsConcurrency?: number;
}

/** The pairs of the run: email and fax, as the opt-out tests configure them. */
const PAIRS = [
  { campaign: 'denyListEmail', dynamics: 'donotemail' },
  { campaign: 'denyListFax', dynamics: 'donotfax' },
] as const;

/**
 * Creates each contact's profile (externalId = contact id) and flips it in Campaign as a user or a clean-up would:
 * `blackListEmail` set when D365's `donotemail` is false, else `blackListFax` (seeded contacts' `donotfax` is false,
 * and the profile's `blackListEmail` false then differs from D365 too). Every contact then needs exactly one D365
 * update; Campaign's opt-out feed writes the flips as one export file.
 */
async function flipInCampaign(stack: BenchStack, contacts: number): Promise<void> {
  const store = stack.campaign.store;
  const table = store.table('profile');
  if (!table) throw new Error('the Campaign simulator has no profile resource');
  for (const row of (stack.dynamics.db.table('contacts') as TableStore).scan()) {
    const profile = store.create(table, { values: { externalId: row.id }, links: {} });
    const attribute = row.values.donotemail === true ? 'blackListFax' : 'blackListEmail';
    // A change made inside Campaign (not through its API): it joins the opt-out export feed.
    store.update(table, profile, { values: { [attribute]: true }, links: {} }, false);
  }
  store.resetCounts();
  const written = await stack.campaign.exports?.writeNow();
  if (!written?.optOutsFile) throw new Error(`the Campaign simulator wrote no opt-out file for ${contacts} flips`);
}

/** Contacts whose paired D365 columns hold the values of their profile in Campaign. */
function matchingContacts(stack: BenchStack): number {
  const profiles = new Map<string, Record<string, unknown>>();
  for (const record of stack.campaign.store.table('profile')?.values() ?? []) {
    profiles.set(String(record.values.externalId), record.values);
  }
  let matching = 0;
  for (const row of (stack.dynamics.db.table('contacts') as TableStore).scan()) {
    const profile = profiles.get(row.id);
    const agrees =
      profile !== undefined &&
      (row.values.donotemail === true) === (profile.blackListEmail === true) &&
      (row.values.donotfax === true) === (profile.blackListFax === true);
    if (agrees) matching += 1;
  }
  return matching;
}

/** Runs one opt-out pass (mode campaign-to-d365) through the real worker process over `contacts` flipped contacts. */
export async function measureOptOut(options: OptOutRunOptions): Promise<OptOutRun> {
  const stack = await startBenchStack({
    dynamics: { seedContacts: options.contacts, limits: options.limits, cost: options.dynamicsCost },
    campaign: { cost: options.campaignCost },
    ...(options.campaignConcurrency ? { campaignConcurrency: options.campaignConcurrency } : {}),
    ...(options.dynamicsConcurrency ? { dynamicsConcurrency: options.dynamicsConcurrency } : {}),
    flows: {
      optOut: { mode: 'campaign-to-d365', every: '1h', sourceFolder: 'exports/optouts', pairs: [...PAIRS] },
    },
  });
  try {
    const temporal = stack.temporal as NonNullable<BenchStack['temporal']>;
    await flipInCampaign(stack, options.contacts);
    const worker = await stack.startWorker();
    const watch = new FirstPassWatch(stack.dynamics);
    await startFlows(temporal.client, stack.config, temporal.taskQueue, ['optout']);
    const manager = temporal.client.workflow.getHandle('optout');
    const pass = await watch.wait('the opt-out pass', manager, optOutStatusQuery);
    await manager.terminate('benchmark done');
    await stopProcess(worker, 10_000);
    const records = stack.dynamics.requests.filter((r) => (r.arrivedAt ?? 0) >= watch.startedAt);
    return {
      contacts: options.contacts,
      counts: pass.lastPass.counts,
      matching: matchingContacts(stack),
      updates: options.contacts,
      requests: pass.requests,
      throttled: pass.throttled,
      busySeconds: (pass.lastAnswerAt - watch.startedAt) / 1000,
      sentDuringPenalty: sentDuringPenalty(records).length,
      timeline: inFlightTimeline(records, watch.startedAt, pass.lastAnswerAt),
      timelineComplete: records.length >= pass.requests,
    };
  } finally {
    await stack.close();
  }
}
