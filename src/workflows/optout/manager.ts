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
  optOutFileCheckpointSignal,
  optOutStatusQuery,
  pauseSignal,
  resumeSignal,
  syncNowSignal,
  type OptOutFileCursor,
  type OptOutStatus,
} from './messages';
import { optOutPassWorkflow } from './pass';
import { control } from './proxies';

export interface OptOutManagerState {
  deltaLink?: string;
  /** Contacts without a profile yet (D365 ids), which the next pass looks at again. */
  pendingContacts?: string[];
  files: OptOutFileCursor;
  passes: number;
  paused: boolean;
  lastPass?: OptOutStatus['lastPass'];
  /** When the cursor last moved (a pass applied what it read). */
  cursorAt?: string;
  lastError?: string;
}

const PASSES_PER_RUN = 50;

/** The opt-out manager (`optout`): checks the pairs, then one pass per interval or on "sync now". */
export async function optOutManagerWorkflow(input: { state?: Partial<OptOutManagerState> } = {}): Promise<void> {
  const state: OptOutManagerState = { files: {}, passes: 0, paused: false, ...input.state };
  let phase: OptOutStatus['phase'] = 'waiting';
  let syncNow = false;
  let nextRunAt: string | undefined;
  let mode = 'disabled';
  setHandler(managerStateQuery, () => ({ ...state }));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(syncNowSignal, () => void (syncNow = true));
  setHandler(optOutFileCheckpointSignal, (files) => void (state.files = files));
  setHandler(optOutStatusQuery, (): OptOutStatus => ({
    mode,
    phase: state.paused ? 'paused' : phase,
    passes: state.passes,
    ...(state.lastPass ? { lastPass: state.lastPass } : {}),
    ...(state.cursorAt ? { cursorAt: state.cursorAt } : {}),
    ...(nextRunAt ? { nextRunAt } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
  }));
  upsertSearchAttributes([{ key: FlowKey, value: 'optout' }]);

  const { problems } = await control.preflightOptOut({});
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `opt-out sync cannot start:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
      'OptOutConfigError'
    );
  }
  const settings = await control.loadFlowSettings({ flow: 'optout' });
  mode = settings.mode ?? 'disabled';
  for (let passesThisRun = 0; passesThisRun < PASSES_PER_RUN && !workflowInfo().continueAsNewSuggested;) {
    if (state.paused) await condition(() => !state.paused);
    phase = 'syncing';
    const pass = state.passes + 1;
    try {
      const result = await executeChild(optOutPassWorkflow, {
        workflowId: `${workflowInfo().workflowId}:pass:${pass}`,
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
      state.lastPass = {
        pass,
        counts: result.counts ?? {
          read: 0,
          applied: 0,
          skipped: 0,
          conflicts: 0,
          missing: 0,
          outOfScope: 0,
          rejected: 0,
        },
        finishedAt: new Date().toISOString(),
      };
      state.cursorAt = new Date().toISOString();
      upsertMemo({ passes: pass, lastPass: state.lastPass.counts });
      state.lastError = undefined;
    } catch (err) {
      // Cursors hold what was applied; the next pass goes on from there.
      state.lastError = `pass ${pass} failed: ${failureMessage(err)}`;
    }
    state.passes = pass;
    passesThisRun += 1;
    phase = 'waiting';
    nextRunAt = new Date(Date.now() + settings.everyMs).toISOString();
    await condition(() => syncNow || state.paused, settings.everyMs);
    nextRunAt = undefined;
    syncNow = false;
  }
  await continueAsNew<typeof optOutManagerWorkflow>({ state });
}
