import {
  condition,
  continueAsNew,
  defineQuery,
  executeChild,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../../activities';
import { verifyIdAt } from '../../sync/verify';
import { failureMessage } from '../failure-message';
import { FlowKey } from '../search-attributes';
import { managerStateQuery, pauseSignal, resumeSignal, syncNowSignal } from '../steering';
import { verifyWorkflow } from './workflow';

type Activities = ReturnType<typeof activities.createActivities>;

/** The last verify: when it ended, its outcome and the drifted records per scope (what `status` shows). */
export interface LastVerify {
  pass: number;
  verifyId: string;
  outcome: 'agree' | 'drift' | 'unverified';
  finishedAt: string;
  /** Drifted records per scope, e.g. `{ 'ingress:contacts': 2, optout: 0, egress: 0 }`. */
  counts: Record<string, number>;
}

export interface VerifyManagerState {
  passes: number;
  paused: boolean;
  lastPass?: LastVerify;
  lastError?: string;
}

export interface VerifyManagerStatus {
  phase: 'waiting' | 'syncing' | 'paused';
  passes: number;
  lastPass?: LastVerify;
  nextRunAt?: string;
  lastError?: string;
}

export const verifyStatusQuery = defineQuery<VerifyManagerStatus>('status');

const control = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['FlowConfigError'] },
});

/** Verifies per run before continue-as-new keeps the history short. */
const PASSES_PER_RUN = 50;

/**
 * The verify manager (`verify`, with `verify.every` in the configuration): waits the interval (or "sync now"), then
 * runs `verifyWorkflow` as a child (`verify:<time>`, no repair) and keeps its outcome and drift counts per scope for
 * `status`. It waits first: right after `start all`, the flows have not had their first pass yet.
 */
export async function verifyManagerWorkflow(input: { state?: Partial<VerifyManagerState> } = {}): Promise<void> {
  const state: VerifyManagerState = { passes: 0, paused: false, ...input.state };
  let phase: VerifyManagerStatus['phase'] = 'waiting';
  let syncNow = false;
  let nextRunAt: string | undefined;
  setHandler(managerStateQuery, () => ({ ...state }));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(syncNowSignal, () => void (syncNow = true));
  setHandler(verifyStatusQuery, (): VerifyManagerStatus => ({
    phase: state.paused ? 'paused' : phase,
    passes: state.passes,
    ...(state.lastPass ? { lastPass: state.lastPass } : {}),
    ...(nextRunAt ? { nextRunAt } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
  }));
  upsertSearchAttributes([{ key: FlowKey, value: 'verify' }]);

  const settings = await control.loadVerifySettings({});
  for (let passesThisRun = 0; passesThisRun < PASSES_PER_RUN && !workflowInfo().continueAsNewSuggested;) {
    phase = 'waiting';
    nextRunAt = new Date(Date.now() + settings.everyMs).toISOString();
    await condition(() => syncNow || state.paused, settings.everyMs);
    nextRunAt = undefined;
    syncNow = false;
    if (state.paused) await condition(() => !state.paused);
    phase = 'syncing';
    const pass = state.passes + 1;
    const verifyId = verifyIdAt(new Date());
    try {
      const { verify } = await executeChild(verifyWorkflow, {
        workflowId: `verify:${verifyId}`,
        staticSummary: `scheduled verify ${pass}`,
        args: [{ verifyId, quietMs: settings.quietMs, scopes: settings.scopes, repair: false }],
      });
      state.lastPass = {
        pass,
        verifyId,
        outcome: verify.outcome,
        finishedAt: verify.finishedAt,
        counts: Object.fromEntries(
          verify.scopes.map((scope) => [scope.scope, Object.values(scope.drift).reduce((a, b) => a + b, 0)])
        ),
      };
      upsertMemo({ passes: pass, lastPass: state.lastPass.counts });
      state.lastError = verify.scopes.some((scope) => scope.error)
        ? `verify ${pass}: ${verify.scopes
            .filter((scope) => scope.error)
            .map((scope) => `${scope.scope} not verified: ${scope.error}`)
            .join('; ')}`
        : undefined;
    } catch (err) {
      state.lastError = `verify ${pass} failed: ${failureMessage(err)}`;
    }
    state.passes = pass;
    passesThisRun += 1;
  }
  await continueAsNew<typeof verifyManagerWorkflow>({ state });
}
