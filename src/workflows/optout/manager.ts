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
import { optOutFileCheckpointSignal, optOutStatusQuery, type OptOutFileCursor, type OptOutStatus } from './messages';
import { optOutPassWorkflow } from './pass';
import { control } from './proxies';
import { ZERO_OPT_OUT_COUNTS } from '../../sync/optout/counts';
import type { OptOutMode } from '../../sync/optout/decide';

export interface OptOutManagerState extends FileFlowManagerState<NonNullable<OptOutStatus['lastPass']>> {
  deltaLink?: string;
  /** Contacts without a profile yet (D365 ids), which the next pass looks at again. */
  pendingContacts?: string[];
  files: OptOutFileCursor;
}

export type OptOutManagerInput = ManagerInput<OptOutManagerState>;

/** The opt-out manager (`optout`): checks the pairs, then one pass per interval or on "sync now". */
export async function optOutManagerWorkflow(input: OptOutManagerInput = {}): Promise<void> {
  const state: OptOutManagerState = { files: {}, passes: 0, paused: false, ...input.state };
  const loop = new ManagerLoop<FlowSettings>(state, { passAtOnce: true, input, refuseToStartAs: 'opt-out sync' });
  /** The mode of the last settings check: the one the last (or running) pass follows. */
  let mode: OptOutMode = 'disabled';
  setHandler(optOutFileCheckpointSignal, (files) => void (state.files = files));
  setHandler(optOutStatusQuery, (): OptOutStatus => ({
    ...loop.statusFields(PHASES),
    mode,
    ...passResultFields(state),
  }));
  upsertSearchAttributes([{ key: FlowKey, value: 'optout' }]);

  await loop.run({
    // The pairs checked against D365, then the mode and interval, from the worker's configuration as it is now.
    check: async () => {
      const checked = await checkedSettings(
        () => control.preflightOptOut({}),
        () => control.loadFlowSettings({ flow: 'optout' })
      );
      if ('settings' in checked) mode = checked.settings.mode ?? 'disabled';
      return checked;
    },
    pass: (settings) => runPass(state, settings.mode ?? 'disabled'),
  });
  await continueAsNew<typeof optOutManagerWorkflow>({ state, ...passesPerRunOf(input) });
}

const PHASES = passPhases('syncing');

function runPass(state: OptOutManagerState, mode: OptOutMode): Promise<'done' | 'failed'> {
  return runManagedPass(state, 'pass', async (pass) => {
    const result = await executeChild(optOutPassWorkflow, {
      workflowId: childWorkflowId('pass', pass),
      staticSummary: `opt-out pass ${pass}`,
      args: [
        {
          pass,
          mode,
          files: state.files,
          ...(state.deltaLink ? { deltaLink: state.deltaLink } : {}),
          ...(state.pendingContacts ? { pendingContacts: state.pendingContacts } : {}),
        },
      ],
      typedSearchAttributes: [{ key: FlowKey, value: 'optout' }],
    });
    // An absent delta link means "read every contact again" (too many contacts were left without a profile).
    state.deltaLink = result.deltaLink;
    state.pendingContacts = result.pendingContacts;
    state.files = result.files;
    const counts = result.counts ?? { ...ZERO_OPT_OUT_COUNTS };
    keepPassResult(state, { pass, counts, finishedAt: new Date().toISOString() }, result.skippedFiles);
    return undefined;
  });
}
