import { renderStatus, type FlowReport, type StatusReport } from '../../../src/cli/commands/status';
import { checkStatus, isPolling, WORKER_GONE_AFTER_MS } from '../../../src/cli/status-check';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const MINUTE = 60_000;
const live = { identity: '1@a', lastSeen: ago(10_000), polling: true };
const gone = { identity: '2@b', lastSeen: ago(5 * MINUTE), polling: false };

function report(flows: FlowReport[], workers: StatusReport['workers'] = [live]): StatusReport {
  return {
    generatedAt: new Date(NOW).toISOString(),
    temporal: { address: 'x:7233', namespace: 'default', taskQueue: 'q' },
    workers,
    flows,
  };
}

function running(workflowId: string, detail: Record<string, unknown>, startedAt = ago(60 * MINUTE)): FlowReport {
  return { workflowId, type: 't', flow: 'ingress', mapping: null, status: 'RUNNING', startedAt, detail };
}

/** Every flow here runs every 5 minutes: stale after 15. */
const intervals = new Map([
  ['ingress:contacts', 5 * MINUTE],
  ['egress', 5 * MINUTE],
]);

describe('status --check', () => {
  it.each<[string, FlowReport[], StatusReport['workers'], number, string[]]>([
    ['healthy', [running('ingress:contacts', { phase: 'waiting', cursorAt: ago(4 * MINUTE) })], [live], 0, []],
    ['no flow at all, a worker', [], [live], 0, []],
    ['no poller listed', [], [], 5, ['no-worker']],
    ['only a worker gone for minutes', [], [gone], 5, ['no-worker']],
    [
      'a manager that failed',
      [{ ...running('egress', {}), status: 'FAILED', detail: undefined }],
      [live],
      4,
      ['flow-failed'],
    ],
    [
      'a terminated manager',
      [{ ...running('egress', {}), status: 'TERMINATED', detail: undefined }],
      [live],
      4,
      ['flow-failed'],
    ],
    [
      'a stopped flow is deliberate',
      [{ ...running('egress', {}), status: 'CANCELED', detail: undefined }],
      [live],
      0,
      [],
    ],
    [
      'a failed initial transfer',
      [running('ingress:contacts', { phase: 'failed', lastError: 'import\nmore' })],
      [live],
      4,
      ['flow-failed'],
    ],
    [
      'a last pass that failed',
      [running('egress', { phase: 'waiting', lastError: 'pass 3 failed: 401', cursorAt: ago(MINUTE) })],
      [live],
      4,
      ['flow-failed'],
    ],
    [
      'a cursor 3 intervals old is not yet stale',
      [running('egress', { phase: 'waiting', cursorAt: ago(15 * MINUTE) })],
      [live],
      0,
      [],
    ],
    [
      'a cursor older than 3 intervals',
      [running('egress', { phase: 'waiting', cursorAt: ago(16 * MINUTE) })],
      [live],
      6,
      ['stale-cursor'],
    ],
    [
      'no cursor yet, started long ago',
      [running('egress', { phase: 'syncing' }, ago(20 * MINUTE))],
      [live],
      6,
      ['stale-cursor'],
    ],
    [
      'an initial transfer moves no cursor',
      [running('ingress:contacts', { phase: 'initial-transfer' }, ago(9 * 60 * MINUTE))],
      [live],
      0,
      [],
    ],
    [
      'a paused flow moves no cursor',
      [running('egress', { phase: 'paused', cursorAt: ago(60 * MINUTE) })],
      [live],
      0,
      [],
    ],
    ['a flow without an interval (verify)', [running('verify', { phase: 'waiting' }, ago(60 * MINUTE))], [live], 0, []],
    ['state unknown is not judged', [running('egress', { unavailable: 'no worker answered' })], [live], 0, []],
    [
      'several problems: a failed flow comes first (4, then 5, then 6)',
      [
        running('egress', { phase: 'waiting', cursorAt: ago(60 * MINUTE) }),
        running('ingress:contacts', { phase: 'failed' }),
      ],
      [],
      4,
      ['no-worker', 'stale-cursor', 'flow-failed'],
    ],
  ])('%s', (_case, flows, workers, exitCode, kinds) => {
    const check = checkStatus(report(flows, workers), intervals);
    expect(check.exitCode).toBe(exitCode);
    expect(check.ok).toBe(exitCode === 0);
    expect(check.problems.map((problem) => problem.kind)).toEqual(kinds);
  });

  it('names the flow and the age in the message, never a value', () => {
    const check = checkStatus(report([running('egress', { phase: 'waiting', cursorAt: ago(16 * MINUTE) })]), intervals);
    expect(check.problems[0]!.message).toBe('egress: cursor last moved 960s ago, more than 3 intervals of 300s');
  });
});

describe('status: workers', () => {
  it.each([
    [ago(0), true],
    [ago(WORKER_GONE_AFTER_MS), true],
    [ago(WORKER_GONE_AFTER_MS + 1_000), false],
    [null, false],
  ])('a poller last seen %p is polling: %p', (lastSeen, polling) => expect(isPolling(lastSeen, NOW)).toBe(polling));

  it('shows when each worker was last seen, and the gone ones apart', () => {
    expect(renderStatus(report([], [live, gone])).split('\n')[1]).toBe(
      'Workers: 1 polling (1@a, seen 10s ago); gone: 2@b, last seen 5m 00s ago'
    );
    expect(renderStatus(report([], [gone])).split('\n')[1]).toBe(
      'Workers: none polling. Start one: acs-d365 worker --config <file>; gone: 2@b, last seen 5m 00s ago'
    );
  });
});
