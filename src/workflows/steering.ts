import { defineSignal } from '@temporalio/workflow';

/** Signals every flow manager understands (ingress, egress, opt-out). */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const syncNowSignal = defineSignal('syncNow');
