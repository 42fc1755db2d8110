import { createActivities, createWorkerResources } from '../activities';
import { type ConfigProblem } from '../config/rules';
import { type Config } from '../config/schema';
import { type Secrets } from '../config/secrets';
import { type Logger } from '../logging/logger';

export interface RemoteCheckResult {
  problems: ConfigProblem[];
  /** Why the checks could not run (a system not reachable), if they could not. */
  skipped?: string;
}

/**
 * Checks the configuration against the live systems, as the flows' preflights will: every ingress mapping against
 * D365's and Campaign's metadata, the opt-out pairs against D365's contact columns, and egress against D365's activity
 * tables, their event id key, the task table and the owner. A system that cannot be reached stops the checks; the
 * reason is returned as `skipped` (and `config validate --remote` fails with it).
 */
export async function checkAgainstSystems(
  config: Config,
  secrets: Secrets,
  logger: Logger
): Promise<RemoteCheckResult> {
  const resources = createWorkerResources(config, secrets, logger);
  const activities = createActivities({ resources });
  const problems: ConfigProblem[] = [];
  try {
    for (const mapping of config.ingress) {
      problems.push(...(await activities.preflightIngress({ mapping: mapping.name })).problems);
    }
    if (config.optOut && config.optOut.mode !== 'disabled')
      problems.push(...(await activities.preflightOptOut({})).problems);
    if (config.egress) problems.push(...(await activities.preflightEgress({})).problems);
    return { problems };
  } catch (err) {
    return { problems, skipped: err instanceof Error ? err.message : String(err) };
  } finally {
    await resources.close();
  }
}
