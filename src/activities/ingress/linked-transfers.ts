import { type Client } from '@temporalio/client';
import { linkParents } from '../../config/link-rules';
import { type Config } from '../../config/schema';
import { managerWorkflowId } from '../../temporal/flow-ids';
import { managerStateQuery } from '../../workflows/steering';
import { findMapping } from './settings';

export interface LinkedTransfersPendingInput {
  mapping: string;
}

export interface LinkedTransfersPendingResult {
  /** The mappings this one links to whose first initial transfer has not finished (or whose manager is not running). */
  pending: string[];
}

/** How long a manager gets to answer its state query. */
const QUERY_TIMEOUT_MS = 10_000;

/**
 * Parents before children: which of the mappings a mapping links to (its fields' `link`) have not finished their first
 * initial transfer, asked of their managers (`ingress:<mapping>`, the deployment's prefix included). A manager that
 * is not there, or does not answer, counts as not finished: the child's transfer waits rather than run ahead.
 */
export async function linkedTransfersPending(
  client: Client,
  config: Config,
  input: LinkedTransfersPendingInput
): Promise<LinkedTransfersPendingResult> {
  const { mapping } = findMapping(config, input.mapping);
  const pending: string[] = [];
  for (const parent of linkParents(mapping)) {
    const workflowId = managerWorkflowId(`ingress:${parent}`, config.temporal.deployment);
    if (!(await transferDone(client, workflowId))) pending.push(parent);
  }
  return { pending };
}

async function transferDone(client: Client, workflowId: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), QUERY_TIMEOUT_MS);
  });
  try {
    const state = await Promise.race([client.workflow.getHandle(workflowId).query(managerStateQuery), timeout]);
    return (state as { initialTransferDone?: unknown }).initialTransferDone === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
