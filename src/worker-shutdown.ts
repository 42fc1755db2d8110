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
