import {
  ApplicationFailure,
  condition,
  continueAsNew,
  executeChild,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { failureMessage } from '../failure-message';
import { managerStateQuery } from '../steering';
import { FlowKey } from '../search-attributes';
import {
  egressCheckpointSignal,
  egressStatusQuery,
  pauseSignal,
  resumeSignal,
  syncNowSignal,
  type EgressCursor,
  type EgressStatus,
} from './messages';
import { egressPassWorkflow } from './pass';
import { control } from './proxies';

export interface EgressManagerState {
  cursor: EgressCursor;
  passes: number;
  paused: boolean;
  lastPass?: EgressStatus['lastPass'];
  /** When the cursor last moved (a pass applied what it read). */
  cursorAt?: string;
  lastError?: string;
}

/** Passes per run before continue-as-new keeps the history short. */
const PASSES_PER_RUN = 50;

/** The egress manager (`egress`): checks D365, then one pass per interval or on "sync now", each as a child workflow. */
export async function egressManagerWorkflow(input: { state?: Partial<EgressManagerState> } = {}): Promise<void> {
  const state: EgressManagerState = { cursor: {}, passes: 0, paused: false, ...input.state };
  let phase: EgressStatus['phase'] = 'waiting';
  let syncNow = false;
  let nextRunAt: string | undefined;
  setHandler(managerStateQuery, () => ({ ...state }));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(syncNowSignal, () => void (syncNow = true));
  setHandler(egressCheckpointSignal, (cursor) => void (state.cursor = cursor));
  setHandler(egressStatusQuery, (): EgressStatus => ({
    phase: state.paused ? 'paused' : phase,
    passes: state.passes,
    cursor: state.cursor,
    ...(state.lastPass ? { lastPass: state.lastPass } : {}),
    ...(state.cursorAt ? { cursorAt: state.cursorAt } : {}),
    ...(nextRunAt ? { nextRunAt } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
  }));
  upsertSearchAttributes([{ key: FlowKey, value: 'egress' }]);

  const { problems } = await control.preflightEgress({});
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `egress cannot start:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
      'EgressConfigError'
    );
  }
  const { everyMs } = await control.loadFlowSettings({ flow: 'egress' });
  for (let passesThisRun = 0; passesThisRun < PASSES_PER_RUN && !workflowInfo().continueAsNewSuggested;) {
    if (state.paused) await condition(() => !state.paused);
    phase = 'applying';
    const pass = state.passes + 1;
    try {
      const result = await executeChild(egressPassWorkflow, {
        workflowId: `${workflowInfo().workflowId}:pass:${pass}`,
        staticSummary: `egress pass ${pass}`,
        args: [{ pass, cursor: state.cursor }],
        typedSearchAttributes: [{ key: FlowKey, value: 'egress' }],
      });
      state.cursor = result.cursor;
      state.lastPass = {
        pass,
        files: result.files,
        counts: result.counts ?? emptyCounts(),
        finishedAt: new Date().toISOString(),
      };
      state.cursorAt = new Date().toISOString();
      upsertMemo({ passes: pass, lastPass: state.lastPass.counts });
      state.lastError = undefined;
    } catch (err) {
      // The cursor holds what was applied; the next pass goes on from there.
      state.lastError = `pass ${pass} failed: ${failureMessage(err)}`;
    }
    state.passes = pass;
    passesThisRun += 1;
    phase = 'waiting';
    nextRunAt = new Date(Date.now() + everyMs).toISOString();
    await condition(() => syncNow || state.paused, everyMs);
    nextRunAt = undefined;
    syncNow = false;
  }
  await continueAsNew<typeof egressManagerWorkflow>({ state });
}

function emptyCounts(): NonNullable<EgressStatus['lastPass']>['counts'] {
  return { read: 0, skipped: 0, created: 0, duplicates: 0, rejected: 0, tasks: 0 };
}
