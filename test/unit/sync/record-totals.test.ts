import { recordTotals } from '../../../src/sync/record-totals';

describe('recordTotals', () => {
  it.each([
    [
      'an ingress pass',
      { read: 10, created: 3, updated: 2, unchanged: 1, deleted: 1, filteredOut: 2, rejected: 1 },
      undefined,
      { read: 10, written: 6, rejected: 1 },
    ],
    [
      'an egress pass',
      { read: 8, skipped: 1, created: 5, duplicates: 1, rejected: 1, tasks: 2 },
      undefined,
      { read: 8, written: 7, rejected: 1 },
    ],
    [
      'an opt-out pass',
      { read: 6, applied: 2, skipped: 3, conflicts: 1, missing: 1, outOfScope: 0, rejected: 0 },
      undefined,
      { read: 6, written: 2, rejected: 0 },
    ],
    ['a pass that failed before its first page', undefined, undefined, { read: 0, written: 0, rejected: 0 }],
    [
      'a transfer resumed from a checkpoint',
      { read: 500, created: 480, rejected: 20 },
      { read: 200, created: 190, rejected: 10 },
      { read: 300, written: 290, rejected: 10 },
    ],
    [
      'a transfer that failed again before its checkpoint',
      { read: 200, created: 190, rejected: 10 },
      { read: 200, created: 195, rejected: 10 },
      { read: 0, written: 0, rejected: 0 },
    ],
  ])('counts %s', (_name, counts, alreadyCounted, expected) => {
    expect(recordTotals(counts, alreadyCounted)).toEqual(expected);
  });
});
