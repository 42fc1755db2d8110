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
import type { IngressSettings } from '../../activities/ingress/settings';
import { failureMessage } from '../failure-message';
import { managerStateQuery } from '../steering';
import { FlowKey, MappingKey, OutcomeKey } from '../search-attributes';
import { control } from './proxies';
import { ingressPassId, initialTransferId } from './ids';
import { initialTransferWorkflow } from './initial-transfer';
import {
  ingressStatusQuery,
  pauseSignal,
  reloadConfigSignal,
  replaySignal,
  resetCursorSignal,
  resumeSignal,
  syncNowSignal,
  transferReportSignal,
  type IngressPhase,
  type IngressStatus,
  type PassSummary,
  type TransferCheckpoint,
  type TransferProgress,
} from './messages';
import { ingressPassWorkflow } from './pass';

/** What a manager carries from one run to the next (continue-as-new): cursors and counters, never data. */
export interface IngressManagerState {
  deltaLink?: string;
  initialTransferDone: boolean;
  transferAttempts: number;
  passes: number;
  paused: boolean;
  replayRequested: boolean;
  /** The next full re-read follows an expired delta token: it must also find the deletes it missed. */
  reconcileDeletes?: boolean;
  checkpoint?: TransferCheckpoint;
  /** The last (or running) initial transfer's progress; kept after a failure to show where it stopped. */
  transfer?: TransferProgress;
  /** When {@link deltaLink} last moved. */
  cursorAt?: string;
  lastPass?: PassSummary;
  lastError?: string;
}

export interface IngressManagerInput {
  mapping: string;
  /** Carried over by continue-as-new, or recovered from a closed run (`acs-d365 start`/`retry`). */
  state?: Partial<IngressManagerState>;
}

/** Passes per run before continue-as-new keeps the history short, whatever the server suggests. */
const PASSES_PER_RUN = 50;

/**
 * The long-lived manager of one ingress mapping (`ingress:<mapping>`): checks the mapping against both systems, runs
 * the initial transfer once, then one incremental pass per interval (or on "sync now"), each as a child workflow.
 */
export async function ingressManagerWorkflow(input: IngressManagerInput): Promise<void> {
  const state: IngressManagerState = {
    initialTransferDone: false,
    transferAttempts: 0,
    passes: 0,
    paused: false,
    replayRequested: false,
    ...input.state,
  };
  let phase: IngressPhase = 'preflight';
  let syncNow = false;
  let reload = false;
  let nextRunAt: string | undefined;

  setHandler(managerStateQuery, () => ({ ...state }));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(syncNowSignal, () => void (syncNow = true));
  setHandler(replaySignal, () => void (state.replayRequested = true));
  setHandler(reloadConfigSignal, () => void (reload = true));
  setHandler(resetCursorSignal, () => {
    state.deltaLink = undefined;
    state.checkpoint = undefined;
    state.reconcileDeletes = true;
    syncNow = true;
  });
  setHandler(transferReportSignal, (report) => {
    state.transfer = report.progress;
    if (report.checkpoint) state.checkpoint = report.checkpoint;
  });
  setHandler(ingressStatusQuery, (): IngressStatus => ({
    mapping: input.mapping,
    phase: state.paused ? 'paused' : phase,
    initialTransferDone: state.initialTransferDone,
    passes: state.passes,
    ...(state.lastPass ? { lastPass: state.lastPass } : {}),
    ...(state.cursorAt ? { cursorAt: state.cursorAt } : {}),
    ...(state.transfer ? { transfer: state.transfer } : {}),
    ...(nextRunAt ? { nextRunAt } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
  }));
  upsertSearchAttributes([
    { key: FlowKey, value: 'ingress' },
    { key: MappingKey, value: input.mapping },
  ]);

  let settings = await checkedSettings(input.mapping);
  let passesThisRun = 0;
  while (passesThisRun < PASSES_PER_RUN && !workflowInfo().continueAsNewSuggested) {
    if (reload) {
      reload = false;
      settings = await checkedSettings(input.mapping);
    }
    if (state.paused) {
      phase = 'paused';
      await condition(() => !state.paused);
    }
    if (!state.initialTransferDone || state.replayRequested || state.deltaLink === undefined) {
      phase = 'initial-transfer';
      await runInitialTransfer(input.mapping, settings, state);
      phase = state.lastError ? 'failed' : 'waiting';
      if (state.lastError) await condition(() => !state.paused && (syncNow || state.replayRequested));
      syncNow = false;
      continue;
    }
    phase = 'waiting';
    nextRunAt = new Date(Date.now() + settings.everyMs).toISOString();
    await condition(() => syncNow || state.replayRequested || reload || state.paused, settings.everyMs);
    nextRunAt = undefined;
    if (state.replayRequested || reload || state.paused || state.deltaLink === undefined) continue;
    syncNow = false;
    phase = 'syncing';
    await runPass(input.mapping, state);
    passesThisRun += 1;
  }
  await continueAsNew<typeof ingressManagerWorkflow>({ mapping: input.mapping, state });
}

/** Settings from the worker's configuration, after the preflight checks pass; refuses to run otherwise. */
async function checkedSettings(mapping: string): Promise<IngressSettings> {
  const { problems } = await control.preflightIngress({ mapping });
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `ingress ${mapping} cannot start:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
      'IngressConfigError'
    );
  }
  return await control.loadIngressSettings({ mapping });
}

async function runInitialTransfer(
  mapping: string,
  settings: IngressSettings,
  state: IngressManagerState
): Promise<void> {
  state.transferAttempts += 1;
  const replay = state.replayRequested;
  state.replayRequested = false;
  try {
    const resuming = state.checkpoint && !replay;
    const result = await executeChild(initialTransferWorkflow, {
      workflowId: initialTransferId(mapping, state.transferAttempts),
      staticSummary: `${mapping}: initial transfer, attempt ${state.transferAttempts}${resuming ? ' (resumed)' : ''}`,
      args: [
        {
          mapping,
          settings,
          ...(resuming ? { checkpoint: state.checkpoint } : {}),
          ...(state.reconcileDeletes ? { reconcileDeletes: true } : {}),
        },
      ],
      typedSearchAttributes: [
        { key: FlowKey, value: 'ingress' },
        { key: MappingKey, value: mapping },
      ],
    });
    moveCursor(state, result.deltaLink);
    state.initialTransferDone = true;
    state.checkpoint = undefined;
    state.transfer = undefined;
    state.reconcileDeletes = undefined;
    state.lastError = undefined;
    upsertSearchAttributes([{ key: OutcomeKey, value: 'succeeded' }]);
    upsertMemo({ initialTransfer: result.counts });
  } catch (err) {
    // Keep the checkpoint: "sync now" (or a retry from the CLI) resumes from the last completed page or chunk.
    state.lastError = `initial transfer failed: ${failureMessage(err)}`;
    upsertSearchAttributes([{ key: OutcomeKey, value: 'failed' }]);
  }
}

async function runPass(mapping: string, state: IngressManagerState): Promise<void> {
  const pass = state.passes + 1;
  const startedAt = new Date().toISOString();
  try {
    const result = await executeChild(ingressPassWorkflow, {
      workflowId: ingressPassId(mapping, pass),
      staticSummary: `${mapping}: incremental pass ${pass}`,
      args: [{ mapping, pass, deltaLink: state.deltaLink ?? '' }],
      typedSearchAttributes: [
        { key: FlowKey, value: 'ingress' },
        { key: MappingKey, value: mapping },
      ],
    });
    state.passes = pass;
    state.lastPass = {
      pass,
      startedAt,
      finishedAt: new Date().toISOString(),
      pages: result.pages,
      counts: result.counts,
    };
    upsertMemo({ passes: pass, lastPass: result.counts });
    if (result.outcome === 'delta-token-expired') {
      // D365 no longer knows the cursor: read everything again (deletes found by the re-read's diff).
      state.replayRequested = true;
      state.reconcileDeletes = true;
      state.lastError = `pass ${pass}: the D365 delta token expired; running a full re-read`;
      return;
    }
    moveCursor(state, result.deltaLink);
    state.lastError = undefined;
  } catch (err) {
    // The delta link did not move: the next pass reads the same changes again (writes are idempotent).
    state.passes = pass;
    state.lastError = `pass ${pass} failed: ${failureMessage(err)}`;
  }
}

function moveCursor(state: IngressManagerState, deltaLink: string): void {
  state.deltaLink = deltaLink;
  state.cursorAt = new Date().toISOString();
}
