import { CampaignApiError } from '../../connectors/campaign';
import { type PreflightIngressInput, type PreflightIngressResult } from './contracts';
import { type PlanCache } from './plan-cache';
import { type IngressDependencies, type ResolvedMapping, resolveMapping } from './resolve';

/** An id no record has: the key lookup is tried with it to prove the Campaign filter exists. */
const PROBE_KEY = '00000000-0000-0000-0000-000000000000';

/**
 * Checks a mapping against D365 and Campaign before its first pass (always from fresh metadata) and lists every
 * problem with its configuration path. When there is none, the checked plan is kept for the pages that follow.
 */
export async function preflightIngress(
  deps: IngressDependencies,
  cache: PlanCache,
  input: PreflightIngressInput
): Promise<PreflightIngressResult> {
  const resolution = await resolveMapping(deps, input.mapping);
  if (!resolution.ok) return { problems: resolution.problems };
  const problem = await keyLookupProblem(resolution.resolved);
  if (problem) return { problems: [problem] };
  cache.set(resolution.resolved);
  return { problems: [] };
}

/**
 * Looks an unused key up. A filter that does not exist is refused for good: ACS reads the unknown path segment as a
 * PKey and answers `RST-360013 … is not a valid constant` (HTTP 500), or 400/404. Outages and auth failures are thrown.
 */
async function keyLookupProblem(
  resolved: ResolvedMapping
): Promise<PreflightIngressResult['problems'][number] | undefined> {
  const { mapping, index, key } = resolved;
  try {
    await resolved.target.findByKey({ [mapping.key.to]: PROBE_KEY });
    return undefined;
  } catch (error) {
    if (!(error instanceof CampaignApiError) || !isRefusal(error)) throw error;
    const filter = key.lookup.type === 'filter' ? key.lookup.filter : '(custom key)';
    return {
      path: `ingress[${index}].key.${mapping.key.campaignFilter ? 'campaignFilter' : 'to'}`,
      message: `Campaign cannot find ${mapping.to} records by ${mapping.key.to} (${error.call} answered HTTP ${error.status}); define the filter ${filter} with the parameter ${mapping.key.to}_parameter on ${mapping.to}, or set key.campaignFilter to the filter's name`,
    };
  }
}

function isRefusal(error: CampaignApiError): boolean {
  return error.status !== undefined && !error.retryable && error.status !== 401 && error.status !== 403;
}
