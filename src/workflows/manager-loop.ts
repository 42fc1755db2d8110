import { ActivityFailure, ApplicationFailure, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  nextStep,
  resumed,
  PASSES_PER_RUN,
  stepEnded,
  stepStarted,
  waited,
  type LoopState,
  type ManagerStep,
} from '../sync/manager-steps';
import { CONFIG_ERROR } from '../sync/failure-types';
import { failureMessage } from './failure-message';
import { recordCursorAt, recordFlowInterval } from './metrics';
import { managerStateQuery, pauseSignal, resumeSignal, syncNowSignal } from './steering';
import { isConfigErrorType } from '../sync/failure-types';

/** What every manager carries from run to run (continue-as-new), next to its own cursors: a plain object. */
export interface ManagerState {
  passes: number;
  paused: boolean;
  lastError?: string;
  /** When the flow's cursor last moved (ISO time); the flows set it, the loop reports it as a metric. */
  cursorAt?: string;
}

/** What every manager is started with: the state carried over by continue-as-new, and the run length. */
export interface ManagerInput<S extends ManagerState> {
  state?: Partial<S>;
  /** Passes per run before continue-as-new (default 50); carried over. */
  passesPerRun?: number;
}

/** The part of every manager's status that the loop knows. */
export interface LoopStatus<P extends string> {
  phase: P;
  passes: number;
  cursorAt?: string;
  nextRunAt?: string;
  lastError?: string;
}

/** A configuration problem, as the preflight activities report it. */
export interface Problem {
  path: string;
  message: string;
}

/** The settings of one step, read from the worker's configuration; `problems` when the check refused them. */
export type CheckedSettings<S> = { settings: S } | { problems: Problem[] };

/** The flow's own steps; the loop decides when each runs. */
export interface FlowSteps<S extends { everyMs: number }> {
  /** Reads the settings from the worker's configuration (an activity) and checks them: once per pass or transfer. */
  check(): Promise<CheckedSettings<S>>;
  /** One incremental pass with the settings just read (a child workflow). */
  pass(settings: S): Promise<'done' | 'failed'>;
  /**
   * Ingress: the initial transfer (or a replay), when {@link transferOwed}. `blocked`: it cannot run yet (the last
   * error says why); it is tried again after the interval.
   */
  transfer?(settings: S): Promise<'done' | 'failed' | 'blocked'>;
  transferOwed?(): boolean;
}

export interface ManagerLoopOptions {
  /** Egress and opt-out run a pass at once when they start or resume; ingress waits an interval. */
  passAtOnce: boolean;
  /** What the manager was started with: its run length, and the state it carries over, if any. */
  input: ManagerInput<ManagerState>;
  /**
   * The flow's name in the failure of a manager started afresh (no state carried over) whose first check finds a
   * configuration problem: it refuses to start, naming the problem. A manager with history shows the problem in
   * `status` and waits instead. Unset: it never refuses.
   */
  refuseToStartAs?: string;
}

export type LoopPhase = 'starting' | 'waiting' | 'transfer' | 'pass' | 'failed' | 'paused';

/** How a configuration problem's last error starts (cleared once the settings check passes again). */
const CONFIG_PROBLEMS = "the worker's configuration has problems";

/** How long a manager blocked by a configuration problem waits before checking again, when no interval is known. */
const BLOCKED_RECHECK_MS = 5 * 60_000;

/**
 * The loop every flow manager runs (pause, resume, sync now, the interval, continue-as-new after some passes), over
 * its plain state object. Every pass reads the settings again, so a worker restarted with a new configuration is
 * followed at the next pass; a configuration problem shows as the last error and blocks this flow only.
 */
export class ManagerLoop<S extends { everyMs: number }> {
  phase: LoopPhase = 'starting';
  nextRunAt?: string;
  private loop: LoopState;
  private everyMs?: number;
  /** Until a check passes, a problem fails a manager started afresh (see {@link ManagerLoopOptions.refuseToStartAs}). */
  private refusal: string | undefined;

  constructor(
    readonly state: ManagerState,
    private readonly options: ManagerLoopOptions
  ) {
    this.refusal = options.input.state ? undefined : options.refuseToStartAs;
    this.loop = {
      paused: state.paused,
      syncNow: false,
      reload: false,
      due: options.passAtOnce,
      blocked: false,
      stepsThisRun: 0,
      passesPerRun: options.input.passesPerRun ?? PASSES_PER_RUN,
      continueAsNewSuggested: false,
      transferOwed: false,
      transferFailed: false,
      replayRequested: false,
    };
    setHandler(managerStateQuery, () => ({ ...state }));
    setHandler(pauseSignal, () => void (state.paused = true));
    setHandler(resumeSignal, () => void (state.paused = false));
    setHandler(syncNowSignal, () => this.syncNow());
  }

  /** What `status` shows as the phase: paused as soon as asked, even while a pass finishes. */
  get shownPhase(): LoopPhase {
    return this.state.paused ? 'paused' : this.phase;
  }

  /**
   * What every manager's `status` shows of its loop and state: the phase in the flow's words, passes, when the cursor
   * last moved, the next run and the last error.
   */
  statusFields<P extends string>(phases: Record<LoopPhase, P>): LoopStatus<P> {
    return {
      phase: phases[this.shownPhase],
      passes: this.state.passes,
      ...(this.state.cursorAt ? { cursorAt: this.state.cursorAt } : {}),
      ...(this.nextRunAt ? { nextRunAt: this.nextRunAt } : {}),
      ...(this.state.lastError ? { lastError: this.state.lastError } : {}),
    };
  }

  syncNow(): void {
    this.loop.syncNow = true;
  }

  /** "reload configuration": check the settings now. */
  reload(): void {
    this.loop.reload = true;
  }

  /** Runs steps until it is time to continue as new (the caller then does, with the state). */
  async run(steps: FlowSteps<S>, replayRequested: () => boolean = () => false): Promise<void> {
    for (;;) {
      this.loop = {
        ...this.loop,
        paused: this.state.paused,
        continueAsNewSuggested: workflowInfo().continueAsNewSuggested,
        transferOwed: steps.transferOwed?.() ?? false,
        replayRequested: replayRequested(),
      };
      const step: ManagerStep = nextStep(this.loop);
      switch (step) {
        case 'continue-as-new':
          return;
        case 'paused':
          this.phase = 'paused';
          await condition(() => !this.state.paused);
          this.loop = resumed(this.loop, this.options.passAtOnce);
          break;
        case 'wait':
          await this.wait(steps, replayRequested);
          break;
        case 'wait-for-retry':
          this.phase = 'failed';
          await condition(() => this.state.paused || this.loop.syncNow || this.loop.reload || replayRequested());
          break;
        case 'check':
          this.loop = stepStarted(this.loop, step);
          this.loop = stepEnded(this.loop, step, (await this.checked(steps)) ? 'done' : 'blocked');
          break;
        case 'transfer':
        case 'pass':
          await this.runStep(steps, step);
          break;
      }
    }
  }

  private async wait(steps: FlowSteps<S>, replayRequested: () => boolean): Promise<void> {
    // A run that has not read its interval yet (ingress after continue-as-new waits first) reads it now.
    if (this.everyMs === undefined) await this.checked(steps);
    const everyMs = this.everyMs ?? BLOCKED_RECHECK_MS;
    // Also after a worker restart: a new worker's gauges start empty, and the loop waits at least once per interval.
    this.reportCursor();
    this.phase = 'waiting';
    this.nextRunAt = new Date(Date.now() + everyMs).toISOString();
    const woken = await condition(
      () => this.state.paused || this.loop.syncNow || this.loop.reload || replayRequested(),
      everyMs
    );
    this.nextRunAt = undefined;
    this.loop = waited(this.loop, !woken);
  }

  private async runStep(steps: FlowSteps<S>, step: 'transfer' | 'pass'): Promise<void> {
    this.loop = stepStarted(this.loop, step);
    // The phase stays on this step until the loop waits: a transfer owed right after a pass (an expired delta token)
    // never shows as `waiting` in between.
    this.phase = step;
    const settings = await this.checked(steps);
    if (!settings) {
      this.loop = stepEnded(this.loop, step, 'blocked');
      return;
    }
    const outcome = step === 'transfer' && steps.transfer ? await steps.transfer(settings) : await steps.pass(settings);
    this.reportCursor();
    this.loop = stepEnded(this.loop, step, outcome);
  }

  private reportCursor(): void {
    if (this.state.cursorAt) recordCursorAt(Date.parse(this.state.cursorAt));
  }

  /** The settings, or undefined when the check found problems (then the last error says which). */
  private async checked(steps: FlowSteps<S>): Promise<S | undefined> {
    const result = await configProblemsAsResult(() => steps.check());
    if ('settings' in result) {
      this.everyMs = result.settings.everyMs;
      recordFlowInterval(this.everyMs);
      this.refusal = undefined;
      if (this.state.lastError?.startsWith(CONFIG_PROBLEMS)) this.state.lastError = undefined;
      return result.settings;
    }
    const text = problemsText(result.problems);
    if (this.refusal) throw ApplicationFailure.nonRetryable(`${this.refusal} cannot start:\n${text}`, CONFIG_ERROR);
    this.state.lastError = `${CONFIG_PROBLEMS}; fix it, restart the worker, then retry:\n${text}`;
    return undefined;
  }
}

/** A settings activity that refused the configuration (e.g. a mapping no longer in the file) is a problem too. */
async function configProblemsAsResult<S>(check: () => Promise<CheckedSettings<S>>): Promise<CheckedSettings<S>> {
  try {
    return await check();
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && isConfigErrorType(cause.type)) {
      return { problems: [{ path: 'configuration', message: cause.message }] };
    }
    throw err;
  }
}

/** The phases a flow without an initial transfer shows in `status`: a pass running shows as `running`. */
export function passPhases<R extends string>(running: R): Record<LoopPhase, R | 'waiting' | 'paused'> {
  return {
    starting: 'waiting',
    waiting: 'waiting',
    transfer: running,
    pass: running,
    failed: 'waiting',
    paused: 'paused',
  };
}

/** The settings after a preflight against the live systems: its problems, or the settings when it found none. */
export async function checkedSettings<S>(
  preflight: () => Promise<{ problems: Problem[] }>,
  load: () => Promise<S>
): Promise<CheckedSettings<S>> {
  const { problems } = await preflight();
  return problems.length > 0 ? { problems } : { settings: await load() };
}

/** Problems one per line, path first. */
function problemsText(problems: readonly Problem[]): string {
  return problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
}

/** The passes-per-run limit a manager was started with (tests lower it), to carry to its next run. */
export function passesPerRunOf(input: { passesPerRun?: number }): { passesPerRun?: number } {
  return input.passesPerRun ? { passesPerRun: input.passesPerRun } : {};
}

/** A pass's or transfer's workflow id: its manager's (deployment prefix included), then what it is and its number. */
export function childWorkflowId(kind: 'pass' | 'initial', number: number): string {
  return `${workflowInfo().workflowId}:${kind}:${number}`;
}

/**
 * Runs the manager's next pass (`state.passes + 1`): `run` executes the child and keeps what the manager shows of its
 * result, returning a problem to show as `lastError` (or nothing). A failed child becomes `lastError` (the cursors hold
 * what was applied, so the next pass goes on from there). The pass count moves either way.
 */
export async function runManagedPass(
  state: ManagerState,
  label: 'pass' | 'verify',
  run: (pass: number) => Promise<string | undefined>
): Promise<'done' | 'failed'> {
  const pass = state.passes + 1;
  try {
    state.lastError = await run(pass);
    return 'done';
  } catch (err) {
    state.lastError = `${label} ${pass} failed: ${failureMessage(err)}`;
    return 'failed';
  } finally {
    state.passes = pass;
  }
}
