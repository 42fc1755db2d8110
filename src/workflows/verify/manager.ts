import {
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
import type { VerifySettings } from '../../activities/verify';
import { verifyIdAt } from '../../sync/verify';
import { FlowKey } from '../search-attributes';
import {
  ManagerLoop,
  passesPerRunOf,
  passPhases,
  runManagedPass,
  type ManagerInput,
  type ManagerState,
} from '../manager-loop';
import { verifyWorkflow } from './workflow';
import { CONFIG_ERROR } from '../../sync/failure-types';

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

export interface VerifyManagerState extends ManagerState {
  lastPass?: LastVerify;
}

export type VerifyManagerInput = ManagerInput<VerifyManagerState>;

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
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: [CONFIG_ERROR] },
});

const PHASES = passPhases('syncing');

/**
 * The verify manager (`verify`, with `verify.every` in the configuration): waits the interval (or "sync now"), then
 * runs `verifyWorkflow` as a child (`verify:<time>`, no repair) and keeps its outcome and drift counts per scope for
 * `status`. It waits first: right after `start all`, the flows have not had their first pass yet. The settings are
 * read again before every verify.
 */
export async function verifyManagerWorkflow(input: VerifyManagerInput = {}): Promise<void> {
  const state: VerifyManagerState = { passes: 0, paused: false, ...input.state };
  const loop = new ManagerLoop<VerifySettings>(state, { passAtOnce: false, input });
  setHandler(verifyStatusQuery, (): VerifyManagerStatus => ({
    ...loop.statusFields(PHASES),
    ...(state.lastPass ? { lastPass: state.lastPass } : {}),
  }));
  upsertSearchAttributes([{ key: FlowKey, value: 'verify' }]);

  await loop.run({
    check: async () => ({ settings: await control.loadVerifySettings({}) }),
    pass: (settings) => runVerify(state, settings),
  });
  await continueAsNew<typeof verifyManagerWorkflow>({ state, ...passesPerRunOf(input) });
}

function runVerify(state: VerifyManagerState, settings: VerifySettings): Promise<'done' | 'failed'> {
  const verifyId = verifyIdAt(new Date());
  return runManagedPass(state, 'verify', async (pass) => {
    const { verify } = await executeChild(verifyWorkflow, {
      // `verify:<time>` (`<deployment>/verify:<time>` in a named deployment), as a verify started from the CLI.
      workflowId: `${workflowInfo().workflowId}:${verifyId}`,
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
    return verify.scopes.some((scope) => scope.error)
      ? `verify ${pass}: ${verify.scopes
          .filter((scope) => scope.error)
          .map((scope) => `${scope.scope} not verified: ${scope.error}`)
          .join('; ')}`
      : undefined;
  });
}
