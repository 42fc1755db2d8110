import { type Client } from '@temporalio/client';

/** How long a command waits for a manager to answer its query (no worker polling means no answer). */
const QUERY_TIMEOUT_MS = 5_000;

/** What a manager's `status` query answers, or why there is no answer. */
export type ManagerAnswer = { ok: true; status: Record<string, unknown> } | { ok: false; reason: string };

/**
 * Asks a running flow manager for its own state (its `status` query), giving up after a few seconds. The deadline is
 * the call's own (its retries included), so no call outlives the answer: closing the connection afterwards is safe.
 */
export async function queryManagerStatus(client: Client, workflowId: string): Promise<ManagerAnswer> {
  const deadline = Date.now() + QUERY_TIMEOUT_MS;
  try {
    const status = await client.connection.withDeadline(deadline, () =>
      client.workflow.getHandle(workflowId).query<Record<string, unknown>>('status')
    );
    return { ok: true, status };
  } catch (err) {
    if (Date.now() >= deadline) return { ok: false, reason: 'no worker answered; is one running on this task queue?' };
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
