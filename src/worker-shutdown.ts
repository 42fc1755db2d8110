import { durationToMs } from './config/duration';
import { type Config } from './config/schema';

/**
 * After the grace time, running activities are cancelled: a page starts no new row, and the writes in flight settle.
 * One that still runs this much later is given up on, and the worker fails instead of hanging.
 */
export const FORCE_AFTER_GRACE_MS = 10_000;

/** The worker's shutdown times: how long running activities may finish, and when it stops waiting for them at all. */
export function shutdownTimes(worker: Config['worker']): { shutdownGraceTime: number; shutdownForceTime: number } {
  const graceMs = durationToMs(worker.shutdownGraceTime);
  return { shutdownGraceTime: graceMs, shutdownForceTime: graceMs + FORCE_AFTER_GRACE_MS };
}

/**
 * The worker failed while it ran: activities may still be running and holding its connections, so the process must
 * end now (their work runs again on another worker).
 */
export class WorkerFailedError extends Error {}

/**
 * Notes when SIGTERM or SIGINT asked the worker to stop (the SDK runtime does the stopping), so that a failure can say
 * whether it is the shutdown that gave up on activities.
 */
export function watchStopRequest(): { stoppingForMs(): number | undefined; dispose(): void } {
  let requestedAt: number | undefined;
  const note = (): void => void (requestedAt ??= Date.now());
  process.on('SIGTERM', note);
  process.on('SIGINT', note);
  return {
    stoppingForMs: () => (requestedAt === undefined ? undefined : Date.now() - requestedAt),
    dispose() {
      process.off('SIGTERM', note);
      process.off('SIGINT', note);
    },
  };
}

/** Why a worker that failed stopped, for its operator. */
export function failureReason(error: unknown, stoppingForMs: number | undefined, forceTimeMs: number): string {
  if (stoppingForMs !== undefined && stoppingForMs >= forceTimeMs) {
    return (
      `activities were still running ${FORCE_AFTER_GRACE_MS / 1000} s after the grace time (worker.shutdownGraceTime); ` +
      'they run again on another worker'
    );
  }
  return error instanceof Error ? error.message : String(error);
}
