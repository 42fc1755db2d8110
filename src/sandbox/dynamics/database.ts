import { randomUUID } from 'node:crypto';
import { buildSchema, type KeyIndexStatus, type SchemaOptions, type TableDefinition } from './schema';
import { seededContact } from './seed';
import { TableStore } from './table-store';

export interface DatabaseOptions extends SchemaOptions {
  /** Contacts generated deterministically at start (lazily: a byte each until written). @default 0 */
  seedContacts?: number;
  /** Milliseconds since the epoch; tests move it to age delta tokens. @default Date.now */
  clock?: () => number;
  /** How long a delta token stays valid (Organization.ExpireChangeTrackingInDays). @default 7 */
  deltaTokenRetentionDays?: number;
}

/** The system user that owns every simulated row (the application user of the integration). */
export const APPLICATION_USER_ID = '5f1e7c0d-3b0a-4c55-9a5e-0d3650a1c0de';

/** All tables of the simulated organization, plus change-set transactions across them. */
export class Database {
  readonly clock: () => number;
  readonly deltaTokenRetentionDays: number;
  private readonly bySet = new Map<string, TableStore>();
  private readonly byLogicalName = new Map<string, TableStore>();
  /** Tables taken away by {@link dropTable}, kept for {@link restoreTable}. */
  private readonly dropped = new Map<string, TableStore>();
  private undoStack: (() => void)[] | undefined;
  /** Delta tokens below this version answer "expired" (set when tokens are invalidated). */
  private oldestValidVersion = new Map<string, number>();

  constructor(options: DatabaseOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.deltaTokenRetentionDays = options.deltaTokenRetentionDays ?? 7;
    buildSchema(options).forEach((definition, position) => {
      const isContact = definition.logicalName === 'contact';
      const store = new TableStore({
        definition,
        seededCount: isContact ? (options.seedContacts ?? 0) : 0,
        seed: isContact ? seededContact : undefined,
        salt: 0x1000 * (position + 1),
        ownerId: APPLICATION_USER_ID,
        clock: this.clock,
        journal: (undo) => this.undoStack?.push(undo),
      });
      this.bySet.set(definition.entitySetName, store);
      this.byLogicalName.set(definition.logicalName, store);
    });
    this.addSystemUser(APPLICATION_USER_ID, 'acs-d365-sync application user');
  }

  /** Adds a D365 user (e.g. the owner `egress.ownerId` names); a disabled one cannot own records. */
  addSystemUser(id: string, fullname: string, options: { disabled?: boolean } = {}): void {
    this.byLogicalName.get('systemuser')?.insert(id, { fullname, isdisabled: options.disabled ?? false });
  }

  /** Sets the `EntityKeyIndexStatus` of a table's alternate key, as D365's index job would (a fault for tests). */
  setKeyIndexStatus(logicalName: string, columns: readonly string[], status: KeyIndexStatus): void {
    const definition = this.byLogicalName.get(logicalName)?.definition;
    if (!definition) throw new Error(`no table ${logicalName}`);
    definition.keyIndexStatus = { ...definition.keyIndexStatus, [columns.join(',')]: status };
  }

  table(entitySetName: string): TableStore | undefined {
    return this.bySet.get(entitySetName);
  }

  tableByLogicalName(logicalName: string): TableStore | undefined {
    return this.byLogicalName.get(logicalName);
  }

  /**
   * Takes a table away, as an organization without the solution that adds it: its metadata and rows are gone and
   * requests to it answer 404 until {@link restoreTable} (a fault for tests; the rows are kept meanwhile).
   */
  dropTable(logicalName: string): void {
    const store = this.byLogicalName.get(logicalName);
    if (!store) throw new Error(`no table ${logicalName}`);
    this.dropped.set(logicalName, store);
    this.byLogicalName.delete(logicalName);
    this.bySet.delete(store.definition.entitySetName);
  }

  /** Brings back a table taken away by {@link dropTable}, as importing the solution does. */
  restoreTable(logicalName: string): void {
    const store = this.dropped.get(logicalName);
    if (!store) throw new Error(`table ${logicalName} was not dropped`);
    this.dropped.delete(logicalName);
    this.byLogicalName.set(logicalName, store);
    this.bySet.set(store.definition.entitySetName, store);
  }

  get definitions(): TableDefinition[] {
    return [...this.bySet.values()].map((t) => t.definition);
  }

  /** Runs `work` atomically: any throw undoes every change it made, in reverse order. */
  transaction<T>(work: () => T): T {
    if (this.undoStack) return work();
    const undo: (() => void)[] = [];
    this.undoStack = undo;
    try {
      return work();
    } catch (err) {
      for (let i = undo.length - 1; i >= 0; i--) (undo[i] as () => void)();
      throw err;
    } finally {
      this.undoStack = undefined;
    }
  }

  /** Invalidates every delta token issued so far for one table (or all), as a metadata change does. */
  expireDeltaTokens(entitySetName?: string): void {
    for (const [set, store] of this.bySet) {
      if (entitySetName !== undefined && set !== entitySetName) continue;
      // Tokens issued from now on carry a version past the cut-off, so only older ones fail.
      this.oldestValidVersion.set(set, store.bumpVersion());
    }
  }

  isDeltaVersionValid(entitySetName: string, version: number): boolean {
    const store = this.bySet.get(entitySetName);
    if (!store || version < store.seedVersionCeiling || version > store.currentVersion) return false;
    return version >= (this.oldestValidVersion.get(entitySetName) ?? 0);
  }

  newId(): string {
    return randomUUID();
  }
}
