import { keepSkippedFiles, SKIPPED_FILES_KEPT } from '../../../src/sync/skipped-files';

describe('keepSkippedFiles', () => {
  const at = '2026-12-05T10:00:00.000Z';
  const note = (file: string, pass: number) => ({ file, reason: 'r', pass, at });

  it.each([
    ['nothing kept, nothing skipped', undefined, [], undefined],
    ['a pass that skipped nothing keeps the earlier notes', [note('a', 1)], [], [note('a', 1)]],
    [
      'new notes go last, with the pass and time',
      [note('a', 1)],
      [{ file: 'b', reason: 'r' }],
      [note('a', 1), note('b', 2)],
    ],
  ])('%s', (_case, kept, skipped, expected) => {
    expect(keepSkippedFiles(kept, 2, skipped, at)).toEqual(expected);
  });

  it(`keeps the newest ${SKIPPED_FILES_KEPT}`, () => {
    const kept = Array.from({ length: SKIPPED_FILES_KEPT }, (_, i) => note(`old-${i}`, 1));
    const result = keepSkippedFiles(kept, 2, [{ file: 'new', reason: 'r' }], at);
    expect(result).toHaveLength(SKIPPED_FILES_KEPT);
    expect(result?.[0]?.file).toBe('old-1');
    expect(result?.at(-1)).toEqual(note('new', 2));
  });
});
