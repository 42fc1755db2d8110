import { Database, seededId, startChangeGenerator } from '../../src/sandbox/dynamics';
import { WebApi } from '../../src/sandbox/dynamics/web-api';

const BASE = 'http://127.0.0.1:1/api/data/v9.2/';

function get(
  api: WebApi,
  path: string,
  query = '',
  prefer?: string
): { status: number; body: Record<string, unknown> } {
  const response = api.handle({ method: 'GET', path, query, headers: prefer ? { prefer } : {}, body: '' });
  return {
    status: response.status,
    body: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
  };
}

describe('Dynamics simulator store', () => {
  it('seeds a million contacts lazily: little memory, rows generated on read', () => {
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const db = new Database({ seedContacts: 1_000_000 });
    const after = process.memoryUsage().heapUsed;
    // A byte of state per seeded row, stored off-heap: far below what a million objects would take.
    expect(after - before).toBeLessThan(30 * 1024 * 1024);
    const api = new WebApi(db, BASE);
    const counts = get(api, 'RetrieveTotalRecordCount(EntityNames=@p1)', `@p1=${encodeURIComponent('["contact"]')}`);
    expect(counts.body.EntityRecordCountCollection).toMatchObject({ Keys: ['contact'], Values: [1_000_000] });
    const page = get(api, 'contacts', '$select=emailaddress1', 'odata.maxpagesize=5000');
    expect((page.body.value as unknown[]).length).toBe(5000);
    const last = get(api, `contacts(${seededId(0x1000, 999_999)})`);
    expect(last.status).toBe(200);
    expect(last.body.emailaddress1).toMatch(/\.999999@example\.com$/);
  });

  it('generates the same seeded rows every time', () => {
    const a = new WebApi(new Database({ seedContacts: 50 }), BASE);
    const b = new WebApi(new Database({ seedContacts: 50 }), BASE);
    expect(get(a, 'contacts').body.value).toEqual(get(b, 'contacts').body.value);
  });

  it('rolls a failed transaction back completely', () => {
    const db = new Database({ seedContacts: 3 });
    const store = db.table('contacts');
    if (!store) throw new Error('no contacts');
    const seeded = store.get(seededId(0x1000, 1));
    if (!seeded) throw new Error('no seeded row');
    const version = store.currentVersion;
    expect(() =>
      db.transaction(() => {
        store.update(seeded, { firstname: 'Changed' });
        store.insert(db.newId(), { lastname: 'New' });
        store.delete(store.get(seededId(0x1000, 2)) ?? seeded);
        throw new Error('boom');
      })
    ).toThrow('boom');
    expect(store.liveCount).toBe(3);
    expect(store.get(seededId(0x1000, 1))?.values.firstname).toBe(seeded.values.firstname);
    expect(store.get(seededId(0x1000, 2))).toBeDefined();
    expect([...store.changes(version, Number.MAX_SAFE_INTEGER)]).toEqual([]);
  });

  it('feeds change tracking from the change generator', () => {
    const db = new Database({ seedContacts: 100 });
    const api = new WebApi(db, BASE);
    const initial = get(api, 'contacts', '$select=telephone1', 'odata.track-changes');
    const deltaLink = String(initial.body['@odata.deltaLink']);
    const generator = startChangeGenerator(db, { changesPerSecond: 0, seed: 3 });
    const counts = generator.apply(40);
    generator.stop();
    expect(counts.create + counts.update + counts.delete + counts.deactivate).toBe(40);
    expect(counts.delete).toBeGreaterThan(0);
    const query = deltaLink.slice(deltaLink.indexOf('?') + 1);
    const pending = get(api, 'contacts/$count', query.replace(/^\$select=[^&]*&/, ''));
    const delta = get(api, 'contacts', query);
    const items = delta.body.value as Record<string, unknown>[];
    const tombstones = items.filter((i) => String(i['@odata.context']).endsWith('/$deletedEntity'));
    expect(tombstones.length).toBeGreaterThan(0);
    expect(tombstones.length).toBeLessThanOrEqual(counts.delete);
    expect(items.length - tombstones.length).toBeGreaterThan(0);
    expect(pending.body).toBe(items.length);
    expect(db.table('contacts')?.liveCount).toBe(100 + counts.create - counts.delete);
  });
});
