import {
  condition,
  continueAsNew,
  executeChild,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { IngressSettings } from '../../activities/ingress/settings';
import { failureMessage } from '../failure-message';
import {
  checkedSettings,
  childWorkflowId,
  ManagerLoop,
  passesPerRunOf,
  type CheckedSettings,
  type LoopPhase,
  type ManagerState,
} from '../manager-loop';
import { FlowKey, MappingKey, OutcomeKey } from '../search-attributes';
import { control } from './proxies';
import { initialTransferWorkflow } from './initial-transfer';
import {
  ingressStatusQuery,
  reloadConfigSignal,
  replaySignal,
  resetCursorSignal,
  transferReportSignal,
  type IngressPhase,
  type IngressStatus,
  type PassSummary,
  type TransferCheckpoint,
  type TransferProgress,
} from './messages';
import { ingressPassWorkflow } from './pass';

/** What a manager carries from one run to the next (continue-as-new): cursors and counters, never data. */
export interface IngressManagerState extends ManagerState {
  deltaLink?: string;
  initialTransferDone: boolean;
  transferAttempts: number;
  replayRequested: boolean;
  /** The next full re-read follows an expired delta token: it must also find the deletes it missed. */
  reconcileDeletes?: boolean;
  checkpoint?: TransferCheckpoint;
  /** The last (or running) initial transfer's progress; kept after a failure to show where it stopped. */
  transfer?: TransferProgress;
  /** When {@link deltaLink} last moved. */
  cursorAt?: string;
  lastPass?: PassSummary;
  /** Rows waiting for a linked record that is not in Campaign yet (D365 ids): each pass looks at them again. */
  waiting?: string[];
}

export interface IngressManagerInput {
  mapping: string;
  /** Carried over by continue-as-new, or recovered from a closed run (`acs-d365 start`/`retry`). */
  state?: Partial<IngressManagerState>;
  /** Passes per run before continue-as-new (default 50); carried over. */
  passesPerRun?: number;
}

/**
 * The long-lived manager of one ingress mapping (`ingress:<mapping>`): checks the mapping against both systems, runs
 * the initial transfer once, then one incremental pass per interval (or on "sync now"), each as a child workflow.
 * Each transfer and pass reads the mapping's settings again from the worker's configuration.
 */
export async function ingressManagerWorkflow(input: IngressManagerInput): Promise<void> {
  const { mapping } = input;
  const state: IngressManagerState = {
    initialTransferDone: false,
    transferAttempts: 0,
    passes: 0,
    paused: false,
    replayRequested: false,
    ...input.state,
  };
  const loop = new ManagerLoop<IngressSettings>(state, {
    passAtOnce: false,
    input,
    refuseToStartAs: `ingress ${mapping}`,
  });
  setHandler(replaySignal, () => void (state.replayRequested = true));
  setHandler(reloadConfigSignal, () => loop.reload());
  setHandler(resetCursorSignal, () => {
    state.deltaLink = undefined;
    state.checkpoint = undefined;
    state.reconcileDeletes = true;
    loop.syncNow();
  });
  setHandler(transferReportSignal, (report) => {
    state.transfer = report.progress;
    if (report.checkpoint) state.checkpoint = report.checkpoint;
  });
  setHandler(ingressStatusQuery, (): IngressStatus => ({
    ...loop.statusFields(PHASES),
    mapping,
    initialTransferDone: state.initialTransferDone,
    ...(state.lastPass ? { lastPass: state.lastPass } : {}),
    ...(state.transfer ? { transfer: state.transfer } : {}),
    ...(state.waiting ? { waiting: state.waiting.length } : {}),
  }));
  upsertSearchAttributes([
    { key: FlowKey, value: 'ingress' },
    { key: MappingKey, value: mapping },
  ]);

  await loop.run(
    {
      check: () => ingressSettings(mapping),
      transferOwed: () => !state.initialTransferDone || state.replayRequested || state.deltaLink === undefined,
      transfer: (settings) => runInitialTransfer(mapping, settings, state),
      pass: () => runPass(mapping, state),
    },
    () => state.replayRequested
  );
  await continueAsNew<typeof ingressManagerWorkflow>({ mapping, state, ...passesPerRunOf(input) });
}

const PHASES: Record<LoopPhase, IngressPhase> = {
  starting: 'preflight',
  waiting: 'waiting',
  transfer: 'initial-transfer',
  pass: 'syncing',
  failed: 'failed',
  paused: 'paused',
};

/** The mapping checked against both systems, then its settings, from the worker's configuration as it is now. */
async function ingressSettings(mapping: string): Promise<CheckedSettings<IngressSettings>> {
  return checkedSettings(
    () => control.preflightIngress({ mapping }),
    () => control.loadIngressSettings({ mapping })
  );
}

async function runInitialTransfer(
  mapping: string,
  settings: IngressSettings,
  state: IngressManagerState
): Promise<'done' | 'failed' | 'blocked'> {
  if (!state.initialTransferDone && (settings.linkedMappings ?? []).length > 0) {
    // Parents before children: the records this mapping links to are written by their own transfers first.
    if (!(await linkedTransfersDone(mapping, settings, state))) return 'blocked';
  }
  state.transferAttempts += 1;
  const replay = state.replayRequested;
  state.replayRequested = false;
  try {
    const resuming = state.checkpoint && !replay;
    const result = await executeChild(initialTransferWorkflow, {
      workflowId: childWorkflowId('initial', state.transferAttempts),
      staticSummary: `${mapping}: initial transfer, attempt ${state.transferAttempts}${resuming ? ' (resumed)' : ''}`,
      args: [
        {
          mapping,
          settings,
          ...(resuming ? { checkpoint: state.checkpoint } : {}),
          // A replay's full read cannot see the rows deleted since the last pass: its diff must find them.
          ...(state.reconcileDeletes || replay ? { reconcileDeletes: true } : {}),
        },
      ],
      typedSearchAttributes: [
        { key: FlowKey, value: 'ingress' },
        { key: MappingKey, value: mapping },
      ],
    });
    moveCursor(state, result.deltaLink);
    state.waiting = mergeWaiting(state.waiting, result.waiting);
    state.initialTransferDone = true;
    state.checkpoint = undefined;
    state.transfer = undefined;
    state.reconcileDeletes = undefined;
    state.lastError = undefined;
    upsertSearchAttributes([{ key: OutcomeKey, value: 'succeeded' }]);
    upsertMemo({ initialTransfer: result.counts });
    return 'done';
  } catch (err) {
    // Keep the checkpoint: "sync now" (or a retry from the CLI) resumes from the last completed page or chunk.
    state.lastError = `initial transfer failed: ${failureMessage(err)}`;
    upsertSearchAttributes([{ key: OutcomeKey, value: 'failed' }]);
    return 'failed';
  }
}

async function runPass(mapping: string, state: IngressManagerState): Promise<'done' | 'failed'> {
  const pass = state.passes + 1;
  const startedAt = new Date().toISOString();
  try {
    const result = await executeChild(ingressPassWorkflow, {
      workflowId: childWorkflowId('pass', pass),
      staticSummary: `${mapping}: incremental pass ${pass}`,
      args: [{ mapping, pass, deltaLink: state.deltaLink ?? '', ...(state.waiting ? { waiting: state.waiting } : {}) }],
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
    // The pass looked at every waiting row again: what still waits is in its result.
    state.waiting = result.waiting;
    if (result.outcome === 'delta-token-expired') {
      // D365 no longer knows the cursor: read everything again (deletes found by the re-read's diff).
      state.replayRequested = true;
      state.reconcileDeletes = true;
      state.lastError = `pass ${pass}: the D365 delta token expired; running a full re-read`;
      return 'done';
    }
    moveCursor(state, result.deltaLink);
    state.lastError = undefined;
    return 'done';
  } catch (err) {
    // The delta link did not move: the next pass reads the same changes again (writes are idempotent).
    state.passes = pass;
    state.lastError = `pass ${pass} failed: ${failureMessage(err)}`;
    return 'failed';
  }
}

/** How often a transfer waiting for its parents' looks again (at most its interval), and how many times per step. */
const PARENTS_RECHECK_MS = 15_000;
const PARENTS_RECHECKS = 20;

/**
 * Whether every mapping this one links to has finished its first initial transfer, asking again every 15 s for five
 * minutes; then the step ends `blocked` and the manager asks again after its interval (or on "sync now").
 */
async function linkedTransfersDone(
  mapping: string,
  settings: IngressSettings,
  state: IngressManagerState
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const { pending } = await control.linkedTransfersPending({ mapping });
    if (pending.length === 0) return true;
    state.lastError = `the initial transfer waits for that of ${pending.map((p) => `ingress:${p}`).join(', ')} (the records it links to)`;
    if (attempt >= PARENTS_RECHECKS) return false;
    await condition(() => state.paused, Math.min(settings.everyMs, PARENTS_RECHECK_MS));
    if (state.paused) return false;
  }
}

/** Rows waiting before a transfer and those it found waiting, each once (a replay reads them again too). */
function mergeWaiting(before: string[] | undefined, found: string[] | undefined): string[] | undefined {
  const all = new Set([...(before ?? []), ...(found ?? [])]);
  return all.size > 0 ? [...all] : undefined;
}

function moveCursor(state: IngressManagerState, deltaLink: string): void {
  state.deltaLink = deltaLink;
  state.cursorAt = new Date().toISOString();
}
