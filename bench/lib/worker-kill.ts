import { type ChildProcess } from 'node:child_process';
import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { sleep } from './wait';

/** The worker a run SIGKILLed: when, and the slices it was applying (the retries' wait is the heartbeat timeout). */
export interface WorkerKill {
  pid: number;
  /** Seconds after the watch started. */
  atSeconds: number;
  /** Slices (`applyEventFile` calls) the worker had started and not finished. */
  slicesHeld: number;
}

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/**
 * Watches a pass and, once `due()` says so, SIGKILLs the worker process that is applying one of its slices (its
 * identity is the SDK's default, `<pid>@<host>`), as a crashed machine would. `stop()` ends the watch and says what
 * was killed; it fails if the pass ended before a worker could be caught holding a slice.
 */
export function killWorkerHoldingASlice(
  client: Client,
  passWorkflowId: string,
  workers: readonly ChildProcess[],
  due: () => boolean
): { stop(): Promise<WorkerKill> } {
  const started = Date.now();
  let watching = true;
  const watch = (async (): Promise<WorkerKill | undefined> => {
    while (watching) {
      await sleep(100);
      if (!due()) continue;
      const description = await client.workflow
        .getHandle(passWorkflowId)
        .describe()
        .catch(() => undefined);
      const held = new Map<number, number>();
      for (const pending of description?.raw.pendingActivities ?? []) {
        if (pending.activityType?.name !== 'applyEventFile' || pending.state !== STARTED) continue;
        const pid = Number((pending.lastWorkerIdentity ?? '').split('@')[0]);
        held.set(pid, (held.get(pid) ?? 0) + 1);
      }
      const victim = workers.find((worker) => worker.exitCode === null && held.has(worker.pid ?? -1));
      if (!victim?.pid) continue;
      victim.kill('SIGKILL');
      return { pid: victim.pid, atSeconds: (Date.now() - started) / 1000, slicesHeld: held.get(victim.pid) ?? 0 };
    }
    return undefined;
  })();
  return {
    async stop() {
      watching = false;
      const killed = await watch;
      if (!killed) throw new Error('no worker was caught applying a slice: the pass ended first');
      return killed;
    },
  };
}
