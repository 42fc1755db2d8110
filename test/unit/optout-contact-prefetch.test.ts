import { ContactPrefetch, READS_AHEAD } from '../../src/activities/optout/contact-prefetch';
import { IDS_PER_QUERY, type Row } from '../../src/connectors/dynamics';

/** Ids `c-0`, `c-1`, …: groups of IDS_PER_QUERY in this order. */
const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `C-${i}`);

/** A reader that answers every id it is asked for except `absent`, and remembers each request. */
function reader(absent: ReadonlySet<string> = new Set(), failing: ReadonlySet<number> = new Set()) {
  const requests: string[][] = [];
  const read = (some: readonly string[]): Promise<Map<string, Row>> => {
    requests.push([...some]);
    if (failing.has(requests.length - 1)) return Promise.reject(new Error(`read ${requests.length - 1} failed`));
    return Promise.resolve(new Map(some.filter((id) => !absent.has(id)).map((id) => [id, { contactid: id }])));
  };
  return { read, requests };
}

describe('ContactPrefetch', () => {
  it('reads nothing until a line asks, then the group of that contact and the groups ahead of it', async () => {
    const { read, requests } = reader();
    const groups = READS_AHEAD + 3;
    const prefetch = new ContactPrefetch(ids(groups * IDS_PER_QUERY), read);
    expect(requests).toEqual([]);

    expect(await prefetch.take('c-0')).toEqual({ contactid: 'c-0' });
    expect(requests.map((group) => group[0])).toEqual(
      Array.from({ length: READS_AHEAD + 1 }, (_, g) => `c-${g * IDS_PER_QUERY}`)
    );
    expect(requests.every((group) => group.length === IDS_PER_QUERY)).toBe(true);

    await prefetch.take(`c-${IDS_PER_QUERY}`);
    expect(requests).toHaveLength(READS_AHEAD + 2);
    await prefetch.take('c-1');
    expect(requests).toHaveLength(READS_AHEAD + 2);
  });

  it('reads a contact taken twice again on its own, and one it was not given alone; absent ones are undefined', async () => {
    const { read, requests } = reader(new Set(['c-1']));
    const prefetch = new ContactPrefetch(['C-0', 'c-0', 'C-1'], read);

    expect(await prefetch.take('c-0')).toEqual({ contactid: 'c-0' });
    expect(await prefetch.take('C-1')).toBeUndefined();
    expect(await prefetch.take('c-0')).toEqual({ contactid: 'c-0' });
    expect(await prefetch.take('c-9')).toEqual({ contactid: 'c-9' });
    expect(requests).toEqual([['c-0', 'c-1'], ['c-0'], ['c-9']]);
  });

  it('fails the lines of a group whose read failed, and a failed read ahead that no line awaits yet is handled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { read } = reader(new Set(), new Set([1]));
      const prefetch = new ContactPrefetch(ids(3 * IDS_PER_QUERY), read);
      await prefetch.take('c-0');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      await expect(prefetch.take(`c-${IDS_PER_QUERY}`)).rejects.toThrow('read 1 failed');
      expect(await prefetch.take(`c-${2 * IDS_PER_QUERY}`)).toEqual({ contactid: `c-${2 * IDS_PER_QUERY}` });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
