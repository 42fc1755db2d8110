import { ConcurrencyController, type ConcurrencyState } from '../../http/concurrency-controller';

/** Dataverse refuses more than 52 concurrent requests per user, whatever the configuration says. */
export const DATAVERSE_CONCURRENCY_LIMIT = 52;

/** One Dataverse application user: its tenant, its client id and the organization it calls. */
export interface ApplicationUser {
  tenantId: string;
  clientId: string;
  /** Organization URL. */
  url: string;
}

/** The process's controllers, one per application user: Dataverse's limits are per user, not per client object. */
const controllers = new Map<string, { user: ApplicationUser; controller: ConcurrencyController }>();

function keyOf(user: ApplicationUser): string {
  return JSON.stringify([user.tenantId.toLowerCase(), user.clientId.toLowerCase(), user.url.replace(/\/+$/, '')]);
}

/**
 * The controller every client of this application user in the process shares, created on first use; `cap` is the
 * client's `maxConcurrentRequests` (the smallest of those asked for applies), never above 52.
 */
export function controllerForUser(user: ApplicationUser, cap: number): ConcurrencyController {
  const bounded = Math.min(cap, DATAVERSE_CONCURRENCY_LIMIT);
  const key = keyOf(user);
  const known = controllers.get(key);
  if (known) {
    known.controller.restrictCap(bounded);
    return known.controller;
  }
  const controller = new ConcurrencyController({ cap: bounded });
  controllers.set(key, { user, controller });
  return controller;
}

/** Each application user's controller state in this process (for metrics): 429s, penalty time, in flight, limit. */
export function readDynamicsConcurrency(): (ConcurrencyState & { tenantId: string; clientId: string; url: string })[] {
  return [...controllers.values()].map(({ user, controller }) => ({ ...user, ...controller.state() }));
}
