import { type TableDefinition, type Value } from './schema';
import { seededId, seededIndex, seedTimestamp } from './seed';

/** A row as stored: its values (all columns, system ones included), its row version and its position. */
export interface StoredRow {
  id: string;
  /** Position in the default (insertion) order used for paging without `$orderby`. */
  rowNumber: number;
  /** Monotonic row version (the `@odata.etag` and change-tracking version). */
  version: number;
  values: Record<string, Value>;
}

/** One write as seen by change tracking. */
export interface ChangeEntry {
  version: number;
  id: string;
  kind: 'upsert' | 'delete';
}

/** Supplies the values of seeded row `index` (system columns excluded), as a new object each call. */
export type SeedFunction = (index: number) => Record<string, Value>;

export interface TableStoreOptions {
  definition: TableDefinition;
  /** Rows generated on demand from their index instead of being stored. @default 0 */
  seededCount?: number;
  seed?: SeedFunction;
  /** Salt of the seeded ids, distinct per table. */
  salt: number;
  /** The owner every row gets. */
  ownerId: string;
  clock: () => number;
  /** Called with an undo action for every change, so a change set can be rolled back. */
  journal: (undo: () => void) => void;
}

const PRISTINE = 0;
const MATERIALIZED = 1;
const DELETED = 2;

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The rows of one table. Seeded rows are generated from their index until first written (then stored), so a
 * million seeded contacts cost a byte each. Every write gets a new row version and an entry in the change log.
 */
export class TableStore {
  readonly definition: TableDefinition;
  private readonly seededCount: number;
  private readonly seed: SeedFunction | undefined;
  private readonly seedState: Uint8Array;
  private readonly rows = new Map<string, StoredRow>();
  private readonly createdRowNumbers: number[] = [];
  private readonly idByRowNumber = new Map<number, string>();
  private readonly log: ChangeEntry[] = [];
  private readonly tombstones = new Map<string, number>();
  /** Alternate-key indexes by their sorted column names (`a,b`): key text → row id. */
  private readonly keyIndexes = new Map<string, Map<string, string>>();
  private nextRowNumber: number;
  private version: number;
  private live: number;

  constructor(private readonly options: TableStoreOptions) {
    this.definition = options.definition;
    this.seededCount = options.seed ? (options.seededCount ?? 0) : 0;
    this.seed = options.seed;
    this.seedState = new Uint8Array(this.seededCount);
    this.nextRowNumber = this.seededCount;
    this.version = this.seededCount;
    this.live = this.seededCount;
  }

  /** Versions up to this one were written by seeding, not by a logged write. */
  get seedVersionCeiling(): number {
    return this.seededCount;
  }

  get currentVersion(): number {
    return this.version;
  }

  /** Advances the row version without a write, and returns the new version. */
  bumpVersion(): number {
    return ++this.version;
  }

  get liveCount(): number {
    return this.live;
  }

  get(id: string): StoredRow | undefined {
    const key = id.toLowerCase();
    const stored = this.rows.get(key);
    if (stored) return stored;
    const index = seededIndex(this.options.salt, key, this.seededCount);
    return index !== undefined && this.seedState[index] === PRISTINE ? this.seededRow(index) : undefined;
  }

  /** Live rows in row-number order, starting after `afterRowNumber`. */
  *scan(afterRowNumber = -1): Generator<StoredRow> {
    for (let index = Math.max(afterRowNumber + 1, 0); index < this.seededCount; index++) {
      const state = this.seedState[index];
      if (state === PRISTINE) yield this.seededRow(index);
      else if (state === MATERIALIZED) {
        const row = this.rows.get(seededId(this.options.salt, index));
        if (row) yield row;
      }
    }
    for (let i = this.firstCreatedAfter(afterRowNumber); i < this.createdRowNumbers.length; i++) {
      const rowNumber = this.createdRowNumbers[i] as number;
      const id = this.idByRowNumber.get(rowNumber);
      const row = id === undefined ? undefined : this.rows.get(id);
      if (row) yield row;
    }
  }

  /** A live row at or after a random position (wrapping around), for the change generator. */
  randomLiveRow(random: () => number): StoredRow | undefined {
    const start = Math.floor(random() * this.nextRowNumber) - 1;
    for (const row of this.scan(start)) return row;
    for (const row of this.scan()) return row;
    return undefined;
  }

  /**
   * The live row whose alternate-key columns equal `key`, if any. Looked up in an index of those columns, built on
   * the first lookup and kept up to date by every insert and update (a linear scan per write made bulk writes by
   * alternate key quadratic); a rolled-back write indexes the row it restores again. Entries are only added, never
   * removed: a hit is checked against the row itself, so an entry left by a deleted or changed row finds nothing.
   */
  findByKey(key: Record<string, Value>): StoredRow | undefined {
    const columns = Object.keys(key).sort();
    const id = this.keyIndex(columns).get(keyText(columns, key));
    const row = id === undefined ? undefined : this.get(id);
    return row && columns.every((c) => sameKeyValue(row.values[c] ?? null, key[c] ?? null)) ? row : undefined;
  }

  private keyIndex(columns: readonly string[]): Map<string, string> {
    const name = columns.join(',');
    let index = this.keyIndexes.get(name);
    if (!index) {
      index = new Map();
      this.keyIndexes.set(name, index);
      for (const row of this.scan()) index.set(keyText(columns, row.values), row.id);
    }
    return index;
  }

  /** Adds a written row to every alternate-key index built so far. */
  private indexRow(row: StoredRow): void {
    for (const [name, index] of this.keyIndexes) {
      const columns = name.split(',');
      index.set(keyText(columns, row.values), row.id);
    }
  }

  /** Creates a row from complete values (the caller validated them and applied defaults). */
  insert(id: string, values: Record<string, Value>): StoredRow {
    const key = id.toLowerCase();
    const rowNumber = this.nextRowNumber++;
    const version = ++this.version;
    const now = timestamp(this.options.clock());
    const row: StoredRow = {
      id: key,
      rowNumber,
      version,
      values: {
        ...values,
        [this.definition.primaryIdAttribute]: key,
        createdon: now,
        modifiedon: now,
        versionnumber: version,
        _ownerid_value: values._ownerid_value ?? this.options.ownerId,
      },
    };
    this.rows.set(key, row);
    this.indexRow(row);
    this.createdRowNumbers.push(rowNumber);
    this.idByRowNumber.set(rowNumber, key);
    this.live++;
    this.appendLog({ version, id: key, kind: 'upsert' });
    this.options.journal(() => {
      this.rows.delete(key);
      this.createdRowNumbers.pop();
      this.idByRowNumber.delete(rowNumber);
      this.live--;
    });
    return row;
  }

  /** Applies changed columns to a live row: new version and `modifiedon`. */
  update(existing: StoredRow, changes: Record<string, Value>): StoredRow {
    const version = ++this.version;
    const updated: StoredRow = {
      ...existing,
      version,
      values: {
        ...existing.values,
        ...changes,
        modifiedon: timestamp(this.options.clock()),
        versionnumber: version,
      },
    };
    const index = seededIndex(this.options.salt, existing.id, this.seededCount);
    const previousState = index === undefined ? undefined : this.seedState[index];
    const previousRow = this.rows.get(existing.id);
    this.rows.set(existing.id, updated);
    this.indexRow(updated);
    if (index !== undefined) this.seedState[index] = MATERIALIZED;
    this.appendLog({ version, id: existing.id, kind: 'upsert' });
    this.options.journal(() => {
      if (previousRow) this.rows.set(existing.id, previousRow);
      else this.rows.delete(existing.id);
      if (index !== undefined && previousState !== undefined) this.seedState[index] = previousState;
      this.indexRow(existing);
    });
    return updated;
  }

  delete(existing: StoredRow): void {
    const version = ++this.version;
    const index = seededIndex(this.options.salt, existing.id, this.seededCount);
    const previousState = index === undefined ? undefined : this.seedState[index];
    const previousRow = this.rows.get(existing.id);
    const previousTombstone = this.tombstones.get(existing.id);
    this.rows.delete(existing.id);
    if (index !== undefined) this.seedState[index] = DELETED;
    else this.idByRowNumber.delete(existing.rowNumber);
    this.tombstones.set(existing.id, version);
    this.live--;
    this.appendLog({ version, id: existing.id, kind: 'delete' });
    this.options.journal(() => {
      if (previousRow) this.rows.set(existing.id, previousRow);
      if (index !== undefined && previousState !== undefined) this.seedState[index] = previousState;
      else this.idByRowNumber.set(existing.rowNumber, existing.id);
      if (previousTombstone === undefined) this.tombstones.delete(existing.id);
      else this.tombstones.set(existing.id, previousTombstone);
      this.live++;
      this.indexRow(existing);
    });
  }

  /** Change-log entries with `after < version <= upTo`, in version order, starting at log position `from`. */
  *changes(after: number, upTo: number): Generator<ChangeEntry> {
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.log[mid] as ChangeEntry).version <= after) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < this.log.length; i++) {
      const entry = this.log[i] as ChangeEntry;
      if (entry.version > upTo) return;
      yield entry;
    }
  }

  /** Whether `entry` is the delete that removed a row for good (as of version `upTo`). */
  isFinalDelete(entry: ChangeEntry, upTo: number): boolean {
    if (entry.kind !== 'delete' || this.tombstones.get(entry.id) !== entry.version) return false;
    const row = this.rows.get(entry.id);
    return !row || row.version > upTo;
  }

  /** Whether `entry` is the latest write of a row that is live now. */
  isLatestUpsert(entry: ChangeEntry): boolean {
    return entry.kind === 'upsert' && this.rows.get(entry.id)?.version === entry.version;
  }

  private appendLog(entry: ChangeEntry): void {
    this.log.push(entry);
    this.options.journal(() => {
      this.log.pop();
    });
  }

  private seededRow(index: number): StoredRow {
    const id = seededId(this.options.salt, index);
    const seed = this.seed as SeedFunction;
    const at = seedTimestamp(index);
    // The seed function returns a fresh object: fill it in place (spreading it is the hot spot of big reads).
    const values = seed(index);
    values[this.definition.primaryIdAttribute] = id;
    values.createdon = at;
    values.modifiedon = at;
    values.versionnumber = index + 1;
    values._ownerid_value = this.options.ownerId;
    return { id, rowNumber: index, version: index + 1, values };
  }

  private firstCreatedAfter(rowNumber: number): number {
    let low = 0;
    let high = this.createdRowNumbers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.createdRowNumbers[mid] as number) <= rowNumber) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** The index key of some columns' values: strings compare without case, as Dataverse's alternate keys do. */
function keyText(columns: readonly string[], values: Record<string, Value>): string {
  return JSON.stringify(
    columns.map((c) => {
      const value = values[c] ?? null;
      return typeof value === 'string' ? value.toLowerCase() : value;
    })
  );
}

function sameKeyValue(a: Value, b: Value): boolean {
  return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
}
