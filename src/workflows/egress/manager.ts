import { continueAsNew, executeChild, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { FlowSettings } from '../../activities/flow-settings';
import {
  checkedSettings,
  passPhases,
  childWorkflowId,
  ManagerLoop,
  runManagedPass,
  passesPerRunOf,
  type CheckedSettings,
  type ManagerInput,
  type ManagerState,
} from '../manager-loop';
import { FlowKey } from '../search-attributes';
import { keepSkippedFiles } from '../../sync/skipped-files';
import { egressCheckpointSignal, egressStatusQuery, type EgressCursor, type EgressStatus } from './messages';
import { egressPassWorkflow } from './pass';
import { control } from './proxies';
import { ZERO_EGRESS_COUNTS } from '../../sync/egress/counts';

export interface EgressManagerState extends ManagerState {
  cursor: EgressCursor;
  lastPass?: EgressStatus['lastPass'];
  skippedFiles?: EgressStatus['skippedFiles'];
}

export type EgressManagerInput = ManagerInput<EgressManagerState>;

/** The egress manager (`egress`): checks D365, then one pass per interval or on "sync now", each as a child workflow. */
export async function egressManagerWorkflow(input: EgressManagerInput = {}): Promise<void> {
  const state: EgressManagerState = { cursor: {}, passes: 0, paused: false, ...input.state };
  const loop = new ManagerLoop<FlowSettings>(state, { passAtOnce: true, input, refuseToStartAs: 'egress' });
  setHandler(egressCheckpointSignal, (cursor) => void (state.cursor = cursor));
  setHandler(egressStatusQuery, (): EgressStatus => ({
    ...loop.statusFields(PHASES),
    cursor: state.cursor,
    ...(state.lastPass ? { lastPass: state.lastPass } : {}),
    ...(state.skippedFiles ? { skippedFiles: state.skippedFiles } : {}),
  }));
  upsertSearchAttributes([{ key: FlowKey, value: 'egress' }]);

  await loop.run({ check: egressSettings, pass: (settings) => runPass(state, settings) });
  await continueAsNew<typeof egressManagerWorkflow>({ state, ...passesPerRunOf(input) });
}

const PHASES = passPhases('applying');

/** D365 checked for what egress writes (tables, columns, keys, owner), then the interval, from the configuration as it is now. */
async function egressSettings(): Promise<CheckedSettings<FlowSettings>> {
  return checkedSettings(
    () => control.preflightEgress({}),
    () => control.loadFlowSettings({ flow: 'egress' })
  );
}

function runPass(state: EgressManagerState, settings: FlowSettings): Promise<'done' | 'failed'> {
  return runManagedPass(state, 'pass', async (pass) => {
    const result = await executeChild(egressPassWorkflow, {
      workflowId: childWorkflowId('pass', pass),
      staticSummary: `egress pass ${pass}`,
      args: [{ pass, cursor: state.cursor, ...filesInParallelOf(settings) }],
      typedSearchAttributes: [{ key: FlowKey, value: 'egress' }],
    });
    state.cursor = result.cursor;
    state.lastPass = {
      pass,
      files: result.files,
      counts: result.counts ?? { ...ZERO_EGRESS_COUNTS },
      finishedAt: new Date().toISOString(),
    };
    state.cursorAt = new Date().toISOString();
    state.skippedFiles = keepSkippedFiles(state.skippedFiles, pass, result.skippedFiles, state.cursorAt);
    upsertMemo({ passes: pass, lastPass: state.lastPass.counts });
    return undefined;
  });
}

/** The settings' files at once, when they say (a settings answer of an earlier version does not: one at a time). */
function filesInParallelOf(settings: FlowSettings): { filesInParallel?: number } {
  return settings.filesInParallel ? { filesInParallel: settings.filesInParallel } : {};
}
