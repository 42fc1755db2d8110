import { formatAge, formatCount, formatDuration } from '../../../src/cli/render/durations';
import { describeCounts, renderFlowStatus } from '../../../src/cli/render/flow-status';
import { estimateTransfer, renderTransferProgress } from '../../../src/cli/render/progress-bar';
import type { FlowReport } from '../../../src/cli/commands/status';
import type { TransferProgress } from '../../../src/workflows/ingress/messages';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1_000, '1s'],
    [59_999, '59s'],
    [60_000, '1m 00s'],
    [192_000, '3m 12s'],
    [3_600_000, '1h 00m'],
    [7_500_000, '2h 05m'],
    [86_400_000 + 4 * 3_600_000, '1d 4h'],
    [-1, '?'],
    [Number.NaN, '?'],
    [Number.POSITIVE_INFINITY, '?'],
  ])('%p ms → %p', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatAge and formatCount', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  it.each([
    ['2026-11-27T11:59:18Z', '42s ago'],
    ['2026-11-27T12:00:05Z', '0ms ago'], // a clock slightly ahead is not a negative age
    ['not a time', '?'],
  ])('%p → %p', (iso, text) => expect(formatAge(iso, now)).toBe(text));

  it.each([
    [0, '0'],
    [999, '999'],
    [1_000, '1,000'],
    [1_234_567, '1,234,567'],
    [12.6, '13'],
  ])('%p → %p', (n, text) => expect(formatCount(n)).toBe(text));
});

function progress(overrides: Partial<TransferProgress>): TransferProgress {
  return {
    path: 'file',
    stage: 'reading',
    totalRows: 12_000,
    rowsDone: 0,
    chunksDone: 0,
    chunksTotal: 6,
    startedAt: '2026-11-27T12:00:00.000Z',
    rowsAtStart: 0,
    updatedAt: '2026-11-27T12:00:00.000Z',
    ...overrides,
  };
}

describe('transfer estimate', () => {
  it.each([
    ['nothing done yet', progress({}), { percent: 0 }],
    [
      'half done in 4 s',
      progress({ rowsDone: 6_000, chunksDone: 3, updatedAt: '2026-11-27T12:00:04.000Z' }),
      { percent: 50, rowsPerSecond: 1_500, etaMs: 4_000 },
    ],
    [
      'a resumed attempt counts only its own rows',
      progress({ rowsDone: 9_000, rowsAtStart: 6_000, updatedAt: '2026-11-27T12:00:02.000Z' }),
      { percent: 75, rowsPerSecond: 1_500, etaMs: 2_000 },
    ],
    ['an empty table is complete', progress({ totalRows: 0 }), { percent: 100 }],
    [
      'rows added during the read never pass 100%',
      progress({ totalRows: 100, rowsDone: 120, updatedAt: '2026-11-27T12:00:01.000Z' }),
      { percent: 100, rowsPerSecond: 120, etaMs: 0 },
    ],
  ])('%s', (_name, input, expected) => expect(estimateTransfer(input)).toEqual(expected));
});

describe('renderTransferProgress', () => {
  it.each([
    [progress({}), '[------------------------]   0% 0 / 12,000 rows · chunk 0/6 · starting'],
    [
      progress({ rowsDone: 6_000, chunksDone: 3, updatedAt: '2026-11-27T12:00:04.000Z' }),
      '[############------------]  50% 6,000 / 12,000 rows · chunk 3/6 · 1,500 rows/s · ETA 4s',
    ],
    [
      progress({ rowsDone: 12_000, chunksDone: 6, stage: 'importing', updatedAt: '2026-11-27T12:00:08.000Z' }),
      '[########################] 100% 12,000 / 12,000 rows · chunk 6/6 · Campaign is importing the files',
    ],
    [
      progress({ path: 'api', totalRows: 300, rowsDone: 300, chunksDone: 3, updatedAt: '2026-11-27T12:00:01.000Z' }),
      '[########################] 100% 300 / 300 rows · page 3/6 · 300 rows/s',
    ],
  ])('%#', (input, line) => expect(renderTransferProgress(input)).toBe(line));
});

describe('renderFlowStatus', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  const base: FlowReport = {
    workflowId: 'ingress:contacts',
    type: 'ingressManagerWorkflow',
    flow: 'ingress',
    mapping: 'contacts',
    status: 'RUNNING',
    startedAt: '2026-11-27T11:00:00Z',
  };

  it.each<[string, FlowReport, RegExp[]]>([
    [
      'a flow never started says how to start it',
      { ...base, status: 'NOT_STARTED', startedAt: null },
      [/^ingress:contacts +NOT_STARTED +start it: acs-d365 start ingress:contacts$/],
    ],
    [
      'a failed manager says how to resume it',
      { ...base, status: 'FAILED', closedAt: '2026-11-27T11:58:00Z' },
      [/FAILED +closed 2m 00s ago · resume it: acs-d365 retry ingress:contacts$/],
    ],
    [
      'no worker answering is said plainly',
      { ...base, detail: { unavailable: 'no worker answered' } },
      [/^ingress:contacts +RUNNING/, /^ {4}state unknown: no worker answered$/],
    ],
    [
      'a waiting manager: phase, passes, cursor age, next run, last pass counts, last error',
      {
        ...base,
        detail: {
          phase: 'waiting',
          passes: 3,
          cursorAt: '2026-11-27T11:59:18Z',
          nextRunAt: '2026-11-27T12:00:30Z',
          lastPass: { pass: 3, finishedAt: '2026-11-27T11:59:18Z', counts: { read: 12, created: 2, rejected: 1 } },
          lastError: 'pass 2 failed: boom',
        },
      },
      [
        /^ingress:contacts +RUNNING +phase waiting · 3 passes · cursor moved 42s ago · next run in 30s$/,
        /^ {4}last pass 3 \(42s ago\): read 12, created 2, rejected 1$/,
        /^ {4}last error: pass 2 failed: boom$/,
      ],
    ],
    [
      'a last error of several lines (configuration problems) is indented under its first line',
      {
        ...base,
        detail: {
          phase: 'waiting',
          passes: 3,
          lastError: "the worker's configuration has problems; fix it:\n  ingress[0].fields[4].from: no column\n  x: y",
        },
      },
      [
        /^ingress:contacts +RUNNING +phase waiting · 3 passes$/,
        /^ {4}last error: the worker's configuration has problems; fix it:$/,
        /^ {6}ingress\[0\]\.fields\[4\]\.from: no column$/,
        /^ {6}x: y$/,
      ],
    ],
    [
      'export files set aside or left are listed with pass, age and reason, the latest five',
      {
        ...base,
        workflowId: 'egress',
        detail: {
          phase: 'waiting',
          passes: 7,
          skippedFiles: [1, 2, 3, 4, 5, 6, 7].map((pass) => ({
            file: `events_2026010100000${pass}_000001.csv.gz`,
            reason: 'the file is not valid gzip data (Z_DATA_ERROR) (line 2); set aside in rejected/',
            pass,
            at: '2026-11-27T11:59:00Z',
          })),
        },
      },
      [
        /^egress +RUNNING +phase waiting · 7 passes$/,
        /^ {4}2 earlier skipped files \(see --json\)$/,
        ...[3, 4, 5, 6, 7].map(
          (pass) =>
            new RegExp(
              `^ {4}skipped events_2026010100000${pass}_000001\\.csv\\.gz \\(pass ${pass}, 1m 00s ago\\): the file is not valid gzip data`
            )
        ),
      ],
    ],
    [
      'a running transfer gets its progress bar',
      {
        ...base,
        detail: {
          phase: 'initial-transfer',
          passes: 0,
          transfer: progress({ rowsDone: 6_000, chunksDone: 3, updatedAt: '2026-11-27T12:00:04.000Z' }),
        },
      },
      [/^ingress:contacts +RUNNING +phase initial-transfer · 0 passes$/, /^ {4}initial transfer \[#{12}-{12}\] {2}50%/],
    ],
    [
      'rows waiting for a linked record are counted in the summary',
      { ...base, detail: { phase: 'waiting', passes: 4, waiting: 2 } },
      [/^ingress:contacts +RUNNING +phase waiting · 4 passes · 2 rows wait for a linked record$/],
    ],
  ])('%s', (_name, flow, expected) => {
    const lines = renderFlowStatus(flow, now);
    expect(lines).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(lines[i]).toMatch(pattern));
  });

  it('lists counts in the order the flow reports them', () => {
    expect(describeCounts({ read: 3, skipped: 0, created: 2 })).toBe('read 3, skipped 0, created 2');
  });
});
