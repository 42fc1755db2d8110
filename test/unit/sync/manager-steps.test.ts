import {
  nextStep,
  resumed,
  stepEnded,
  stepStarted,
  waited,
  type LoopState,
  type ManagerStep,
} from '../../../src/sync/manager-steps';

/** An incremental manager (no transfer owed) waiting for its interval. */
const IDLE: LoopState = {
  paused: false,
  syncNow: false,
  reload: false,
  due: false,
  blocked: false,
  stepsThisRun: 3,
  passesPerRun: 50,
  continueAsNewSuggested: false,
  transferOwed: false,
  transferFailed: false,
  replayRequested: false,
};

describe('nextStep: what a flow manager does next', () => {
  const cases: [string, Partial<LoopState>, ManagerStep][] = [
    ['waits for its interval', {}, 'wait'],
    ['passes once the interval ran out', { due: true }, 'pass'],
    ['passes on sync now', { syncNow: true }, 'pass'],
    ['continues as new after its passes per run', { stepsThisRun: 50, due: true }, 'continue-as-new'],
    ['continues as new when Temporal suggests it', { continueAsNewSuggested: true }, 'continue-as-new'],
    [
      'continues as new even when paused (the pause is carried over)',
      { stepsThisRun: 50, paused: true },
      'continue-as-new',
    ],
    ['stays paused, even when asked to sync now', { paused: true, syncNow: true, due: true }, 'paused'],
    ['checks its settings on reload, without a pass', { reload: true }, 'check'],
    ['a reload waits while paused', { reload: true, paused: true }, 'paused'],
    ['transfers when a full read is owed, without waiting', { transferOwed: true }, 'transfer'],
    [
      'a failed transfer waits for sync now or replay',
      { transferOwed: true, transferFailed: true, due: true },
      'wait-for-retry',
    ],
    [
      'a failed transfer is retried on sync now (acs-d365 retry)',
      { transferOwed: true, transferFailed: true, syncNow: true },
      'transfer',
    ],
    [
      'a failed transfer is retried on replay',
      { transferOwed: true, transferFailed: true, replayRequested: true },
      'transfer',
    ],
    ['blocked by its configuration: waits for the interval', { blocked: true }, 'wait'],
    ['blocked: checks again once the interval ran out', { blocked: true, due: true }, 'pass'],
    ['blocked: checks again on sync now', { blocked: true, syncNow: true }, 'pass'],
    ['blocked before a transfer: waits, not a tight loop', { blocked: true, transferOwed: true }, 'wait'],
    [
      'blocked before a transfer: tries it again on the interval',
      { blocked: true, transferOwed: true, due: true },
      'transfer',
    ],
    [
      'blocked after a failed transfer: the interval checks again',
      { blocked: true, transferOwed: true, transferFailed: true, due: true },
      'transfer',
    ],
  ];
  it.each(cases)('%s', (_name, change, expected) => {
    expect(nextStep({ ...IDLE, ...change })).toBe(expected);
  });
});

describe('the reducers that move the loop state', () => {
  it('a wait that timed out makes the pass due; one woken by a signal does not', () => {
    expect(waited(IDLE, true).due).toBe(true);
    expect(waited(IDLE, false).due).toBe(false);
    expect(waited({ ...IDLE, due: true }, false).due).toBe(true);
  });

  it('a pass or transfer consumes sync now and the interval; a check consumes reload only', () => {
    const asked = { ...IDLE, syncNow: true, due: true, reload: true };
    expect(stepStarted(asked, 'pass')).toMatchObject({ syncNow: false, due: false, reload: true });
    expect(stepStarted(asked, 'transfer')).toMatchObject({ syncNow: false, due: false, reload: true });
    expect(stepStarted(asked, 'check')).toMatchObject({ syncNow: true, due: true, reload: false });
  });

  it('every step counts toward continue-as-new', () => {
    expect(stepEnded(IDLE, 'pass', 'done').stepsThisRun).toBe(4);
    expect(stepEnded(IDLE, 'check', 'blocked').stepsThisRun).toBe(4);
  });

  it('a blocked step blocks the loop; the next step that runs unblocks it', () => {
    const blocked = stepEnded(IDLE, 'pass', 'blocked');
    expect(blocked.blocked).toBe(true);
    expect(stepEnded(blocked, 'pass', 'failed').blocked).toBe(false);
    expect(stepEnded(blocked, 'check', 'done').blocked).toBe(false);
  });

  it('a transfer that fails marks it failed, one that succeeds clears it; a blocked one leaves it as it was', () => {
    const failed = stepEnded(IDLE, 'transfer', 'failed');
    expect(failed.transferFailed).toBe(true);
    expect(stepEnded(failed, 'transfer', 'blocked').transferFailed).toBe(true);
    expect(stepEnded(failed, 'pass', 'done').transferFailed).toBe(true);
    expect(stepEnded(failed, 'transfer', 'done').transferFailed).toBe(false);
  });

  it('resuming makes egress and opt-out pass at once; ingress waits its interval', () => {
    const paused = { ...IDLE, paused: true };
    expect(nextStep(resumed(paused, true))).toBe('pass');
    expect(nextStep(resumed(paused, false))).toBe('wait');
  });
});
