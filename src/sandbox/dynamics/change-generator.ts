import { type Database } from './database';
import { valuesForCreate, valuesForUpdate } from './row-values';
import { type Value } from './schema';
import { seededContact } from './seed';

/** Relative weights of the kinds of change. */
export interface ChangeMix {
  create: number;
  update: number;
  delete: number;
  deactivate: number;
}

export interface ChangeGeneratorOptions {
  /** Changes applied per second. @default 2 */
  changesPerSecond?: number;
  /** @default { create: 3, update: 5, delete: 1, deactivate: 1 } */
  mix?: ChangeMix;
  /** Seed of the random choices. @default 7 */
  seed?: number;
}

export interface ChangeCounts {
  create: number;
  update: number;
  delete: number;
  deactivate: number;
}

/** A running trickle of contact changes; `apply` runs changes by hand (tests). */
export interface ChangeGenerator {
  apply(count: number): ChangeCounts;
  readonly counts: ChangeCounts;
  stop(): void;
}

const DEFAULT_MIX: ChangeMix = { create: 3, update: 5, delete: 1, deactivate: 1 };

/**
 * Live edits for the sandbox: creates, updates, deletes and deactivations of contacts, written straight into
 * the store so they bump row versions and feed change tracking exactly like Web API writes.
 */
export function startChangeGenerator(db: Database, options: ChangeGeneratorOptions = {}): ChangeGenerator {
  const store = db.table('contacts');
  if (!store) throw new Error('the simulator has no contacts table');
  const mix = options.mix ?? DEFAULT_MIX;
  const total = mix.create + mix.update + mix.delete + mix.deactivate;
  let state = options.seed ?? 7;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const counts: ChangeCounts = { create: 0, update: 0, delete: 0, deactivate: 0 };
  let created = 0;

  const applyOne = (): void => {
    const table = store.definition;
    let pick = random() * total;
    const kind = (['create', 'update', 'delete', 'deactivate'] as const).find((k) => (pick -= mix[k]) < 0) ?? 'update';
    const row = kind === 'create' ? undefined : store.randomLiveRow(random);
    if (kind === 'create' || !row) {
      const values = seededContact(Math.floor(random() * 1_000_000));
      values.emailaddress1 = `generated.${++created}.${Date.now()}@example.com`;
      values.statecode = 0;
      values.statuscode = 1;
      store.insert(db.newId(), valuesForCreate(table, values));
      counts.create++;
    } else if (kind === 'delete') {
      store.delete(row);
      counts.delete++;
    } else if (kind === 'deactivate' && row.values.statecode === 0) {
      store.update(row, valuesForUpdate(table, row, { statecode: 1 }));
      counts.deactivate++;
    } else {
      // An edit of an inactive contact reactivates it (a user reopening it), so inactive rows do not pile up.
      const changes: Record<string, Value> = { telephone1: `+1 555 ${Math.floor(random() * 1e7)}` };
      if (row.values.statecode === 1) changes.statecode = 0;
      store.update(row, valuesForUpdate(table, row, changes));
      counts.update++;
    }
  };

  const apply = (count: number): ChangeCounts => {
    for (let i = 0; i < count; i++) applyOne();
    return { ...counts };
  };

  const perSecond = options.changesPerSecond ?? 2;
  const timer = perSecond > 0 ? setInterval(() => apply(perSecond), 1000) : undefined;
  timer?.unref();
  return {
    apply,
    get counts() {
      return { ...counts };
    },
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
