/**
 * What a flow manager does next (ingress, egress and opt-out share one loop): a pure decision over its loop state,
 * and the small reducers that move that state after each step. The workflow side (`src/workflows/manager-loop.ts`)
 * only carries the steps out.
 */

/** Passes per run before continue-as-new keeps the history short, whatever the server suggests. */
export const PASSES_PER_RUN = 50;

/** The loop's view of a manager: steering flags, this run's step count, and (ingress) whether a full read is owed. */
export interface LoopState {
  paused: boolean;
  /** "sync now" (or `acs-d365 retry`) was asked: the next pass or transfer runs without waiting. */
  syncNow: boolean;
  /** "reload configuration" was asked: check the settings now, without running a pass. */
  reload: boolean;
  /** The interval has run out (egress and opt-out start and resume due: their pass runs at once). */
  due: boolean;
  /** The last settings check found problems: the flow waits for the interval or "sync now" before checking again. */
  blocked: boolean;
  /** Passes, transfers and checks run by this run; at {@link passesPerRun} the manager continues as new. */
  stepsThisRun: number;
  passesPerRun: number;
  continueAsNewSuggested: boolean;
  /** Ingress: a full read is owed (never transferred, replay asked, cursor reset, delta token expired). */
  transferOwed: boolean;
  /** Ingress: the last transfer failed; the next attempt waits for "sync now" (retry) or replay, not the interval. */
  transferFailed: boolean;
  replayRequested: boolean;
}

export type ManagerStep =
  | 'continue-as-new'
  | 'paused'
  /** Read and check the settings only ("reload configuration"). */
  | 'check'
  | 'transfer'
  | 'pass'
  /** Until the interval runs out, or a signal wakes the manager. */
  | 'wait'
  /** Until "sync now" or replay: a failed transfer is not retried on a timer. */
  | 'wait-for-retry';

export function nextStep(s: LoopState): ManagerStep {
  if (s.stepsThisRun >= s.passesPerRun || s.continueAsNewSuggested) return 'continue-as-new';
  if (s.paused) return 'paused';
  if (s.reload) return 'check';
  const asked = s.syncNow || s.replayRequested;
  if (s.blocked && !s.due && !asked) return 'wait';
  if (s.transferOwed) return s.transferFailed && !asked && !s.blocked ? 'wait-for-retry' : 'transfer';
  return s.due || s.syncNow ? 'pass' : 'wait';
}

/** A wait ended: by its timeout (the interval ran out), or by a signal. */
export function waited(s: LoopState, timedOut: boolean): LoopState {
  return { ...s, due: s.due || timedOut };
}

/** The flow was resumed: egress and opt-out run a pass at once (`passAtOnce`), ingress waits its interval. */
export function resumed(s: LoopState, passAtOnce: boolean): LoopState {
  return { ...s, paused: false, due: s.due || passAtOnce };
}

/** A pass, transfer or check is starting: it consumes "sync now", "reload" and the interval that made it run. */
export function stepStarted(s: LoopState, step: 'pass' | 'transfer' | 'check'): LoopState {
  return step === 'check' ? { ...s, reload: false } : { ...s, syncNow: false, due: false };
}

/**
 * A step ended. `blocked`: the settings check found problems (the step did not run). `transferFailed` is set by a
 * transfer that ran and failed, and cleared by one that succeeded.
 */
export function stepEnded(
  s: LoopState,
  step: 'pass' | 'transfer' | 'check',
  outcome: 'done' | 'failed' | 'blocked'
): LoopState {
  return {
    ...s,
    stepsThisRun: s.stepsThisRun + 1,
    blocked: outcome === 'blocked',
    transferFailed: step === 'transfer' && outcome !== 'blocked' ? outcome === 'failed' : s.transferFailed,
  };
}
