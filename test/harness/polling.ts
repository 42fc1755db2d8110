import { type WorkflowHandle } from '@temporalio/client';
import { type QueryDefinition } from '@temporalio/workflow';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `attempt` until it resolves (e.g. a workflow that a signal is about to start), or rethrows after the timeout. */
export async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

/** Waits until `check` holds, polling every 100 ms. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Polls a workflow's status query until `done` holds. A query failing while no worker runs (a test may have killed or
 * be restarting it) is polled again; the timeout's error shows the last status seen.
 */
export async function untilQuery<S>(
  handle: WorkflowHandle,
  query: QueryDefinition<S> | string,
  done: (status: S) => boolean,
  timeoutMs = 90_000
): Promise<S> {
  const deadline = Date.now() + timeoutMs;
  let last: S | undefined;
  for (;;) {
    last = await handle.query<S>(query).catch(() => last);
    if (last !== undefined && done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(last)}`);
    await sleep(200);
  }
}
