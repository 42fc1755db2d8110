import { type Client } from '@temporalio/client';

/** How long a command waits for a manager to answer its query (no worker polling means no answer). */
const QUERY_TIMEOUT_MS = 5_000;

/** What a manager's `status` query answers, or why there is no answer. */
export type ManagerAnswer = { ok: true; status: Record<string, unknown> } | { ok: false; reason: string };

/** Asks a running flow manager for its own state (its `status` query), giving up after a few seconds. */
export async function queryManagerStatus(client: Client, workflowId: string): Promise<ManagerAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ManagerAnswer>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, reason: 'no worker answered; is one running on this task queue?' }),
      QUERY_TIMEOUT_MS
    );
  });
  try {
    return await Promise.race([
      client.workflow
        .getHandle(workflowId)
        .query<Record<string, unknown>>('status')
        .then(
          (status): ManagerAnswer => ({ ok: true, status }),
          (err: unknown): ManagerAnswer => ({ ok: false, reason: err instanceof Error ? err.message : String(err) })
        ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
