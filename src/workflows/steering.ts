import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Signals every flow manager understands (ingress, egress, opt-out). */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const syncNowSignal = defineSignal('syncNow');

/**
 * A manager's whole state (cursors, checkpoint, counters; never data). A closed manager still answers it (a worker
 * replays its history), which is how `acs-d365 start` and `retry` restart a closed flow where it stood.
 */
export const managerStateQuery = defineQuery<Record<string, unknown>>('managerState');
