import { continueAsNew, executeChild, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { FlowSettings } from '../../activities/flow-settings';
import {
  checkedSettings,
  passPhases,
  childWorkflowId,
  ManagerLoop,
  runManagedPass,
  passesPerRunOf,
  type ManagerInput,
} from '../manager-loop';
import { type FileFlowManagerState, keepPassResult, passResultFields } from '../file-flow-manager';
import { FlowKey } from '../search-attributes';
import { egressCheckpointSignal, egressStatusQuery, type EgressCursor, type EgressStatus } from './messages';
import { egressPassWorkflow } from './pass';
import { control } from './proxies';
import { ZERO_EGRESS_COUNTS } from '../../sync/egress/counts';

export interface EgressManagerState extends FileFlowManagerState<NonNullable<EgressStatus['lastPass']>> {
  cursor: EgressCursor;
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
    ...passResultFields(state),
  }));
  upsertSearchAttributes([{ key: FlowKey, value: 'egress' }]);

  await loop.run({
    // D365 checked for what egress writes (tables, columns, keys, owner), then the interval, from the configuration.
    check: () =>
      checkedSettings(
        () => control.preflightEgress({}),
        () => control.loadFlowSettings({ flow: 'egress' })
      ),
    pass: (settings) => runPass(state, settings),
  });
  await continueAsNew<typeof egressManagerWorkflow>({ state, ...passesPerRunOf(input) });
}

const PHASES = passPhases('applying');

function runPass(state: EgressManagerState, settings: FlowSettings): Promise<'done' | 'failed'> {
  return runManagedPass(state, 'pass', async (pass) => {
    const result = await executeChild(egressPassWorkflow, {
      workflowId: childWorkflowId('pass', pass),
      staticSummary: `egress pass ${pass}`,
      args: [{ pass, cursor: state.cursor, ...filesInParallelOf(settings) }],
      typedSearchAttributes: [{ key: FlowKey, value: 'egress' }],
    });
    state.cursor = result.cursor;
    const counts = result.counts ?? { ...ZERO_EGRESS_COUNTS };
    keepPassResult(
      state,
      { pass, files: result.files, counts, finishedAt: new Date().toISOString() },
      result.skippedFiles
    );
    return undefined;
  });
}

/** The settings' files at once, when they say (a settings answer of an earlier version does not: one at a time). */
function filesInParallelOf(settings: FlowSettings): { filesInParallel?: number } {
  return settings.filesInParallel ? { filesInParallel: settings.filesInParallel } : {};
}
