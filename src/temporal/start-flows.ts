import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type Config } from '../config/schema';
import { ingressManagerWorkflow } from '../workflows';
import { ingressManagerId } from '../workflows/ingress/ids';
import { FlowKey, MappingKey } from '../workflows/search-attributes';

export interface StartedFlow {
  workflowId: string;
  /** `started` now, or `running` already (starting is idempotent). */
  state: 'started' | 'running';
}

/**
 * Starts the manager workflow of each named flow (`ingress:<mapping>`, or `all`) that is not running yet. Flows the
 * configuration does not have are refused, naming the ones it has.
 */
export async function startFlows(
  client: Client,
  config: Config,
  taskQueue: string,
  names: string[]
): Promise<StartedFlow[]> {
  const known = config.ingress.map((mapping) => ingressManagerId(mapping.name));
  const wanted = names.includes('all') ? known : names;
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown flow ${unknown.join(', ')}; the configuration has: ${known.join(', ') || 'no ingress mapping'}`
    );
  }
  const started: StartedFlow[] = [];
  for (const workflowId of wanted) {
    const mapping = workflowId.slice('ingress:'.length);
    try {
      await client.workflow.start(ingressManagerWorkflow, {
        taskQueue,
        workflowId,
        args: [{ mapping }],
        typedSearchAttributes: [
          { key: FlowKey, value: 'ingress' },
          { key: MappingKey, value: mapping },
        ],
        staticSummary: `Ingress ${mapping}: D365 → Campaign`,
      });
      started.push({ workflowId, state: 'started' });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      started.push({ workflowId, state: 'running' });
    }
  }
  return started;
}
