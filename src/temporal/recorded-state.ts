import { type Client } from '@temporalio/client';
import { managerStateQuery } from '../workflows/steering';

/** The latest run of a flow manager, and the input to restart it with when that run has closed. */
export type RecordedManager =
  | { kind: 'never-started' }
  | { kind: 'running' }
  | { kind: 'closed'; status: string; input: { state: Record<string, unknown> } };

/** How long to wait for a worker to answer the state query of a closed run (it replays the run's history). */
const QUERY_TIMEOUT_MS = 10_000;

/**
 * Reads the manager's last run and, when it has closed, the state it ended with (its `managerState` query, which a
 * worker answers by replaying the history). Restarting from that state is how a closed manager resumes, rather than a
 * Temporal reset: cursors and checkpoints are kept exactly, no event is re-run, and it works after a code change.
 */
export async function recordedManager(client: Client, workflowId: string): Promise<RecordedManager> {
  const handle = client.workflow.getHandle(workflowId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return { kind: 'never-started' };
    throw err;
  }
  if (status === 'RUNNING') return { kind: 'running' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no worker answered')), QUERY_TIMEOUT_MS);
  });
  try {
    const state = await Promise.race([handle.query(managerStateQuery), timeout]);
    return { kind: 'closed', status, input: { state } };
  } catch (err) {
    throw new Error(
      `cannot read the state ${workflowId} ended with (${(err as Error).message}); a worker must be running ` +
        `(acs-d365 worker). To start it afresh instead, losing its cursors: acs-d365 start ${workflowId} --fresh`
    );
  } finally {
    clearTimeout(timer);
  }
}
