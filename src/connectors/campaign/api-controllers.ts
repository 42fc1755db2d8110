import { ConcurrencyController, type ConcurrencyState } from '../../http/concurrency-controller';

/** The process's controllers, one per Campaign API and client id: a gateway throttles per API key. */
const controllers = new Map<string, { baseUrl: string; controller: ConcurrencyController }>();

/**
 * The controller every client of this Campaign API and API key in the process shares, created on first use. Campaign
 * recommends no parallelism, so it starts at `cap` (`campaign.maxConcurrentRequests`; the smallest asked for applies).
 */
export function controllerForApi(baseUrl: string, apiKey: string, cap: number): ConcurrencyController {
  const key = JSON.stringify([baseUrl.replace(/\/+$/, ''), apiKey]);
  const known = controllers.get(key);
  if (known) {
    known.controller.restrictCap(cap);
    return known.controller;
  }
  const controller = new ConcurrencyController({ cap, initial: cap });
  controllers.set(key, { baseUrl, controller });
  return controller;
}

/** Each Campaign API's controller state in this process (for metrics): 429s, penalty time, in flight, limit. */
export function readCampaignConcurrency(): (ConcurrencyState & { baseUrl: string })[] {
  return [...controllers.values()].map(({ baseUrl, controller }) => ({ baseUrl, ...controller.state() }));
}
