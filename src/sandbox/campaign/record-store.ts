import { randomBytes } from 'node:crypto';
import { formatAcsDateTime } from '../../sync/acs-dates';
import { AcsError, AcsErrorCode } from './acs-error';
import { valueFromJson, valueFromText, type StoredValue } from './field-values';
import { OPT_OUT_ATTRIBUTES, type ApiSurface, type OptOutAttribute, type ResourceModel } from './resource-model';

export interface StoredRecord {
  pkey: string;
  values: Record<string, StoredValue>;
  /** Link field → PKey of the linked record. */
  links: Record<string, string>;
}

/** Engine calls as ACS bills them: insert 1, update 2 (1 when nothing changed), delete 1. */
export interface EngineCallCounts {
  inserts: number;
  updates: number;
  unchangedUpdates: number;
  deletes: number;
  /** inserts + 2 × updates + unchangedUpdates + deletes */
  engineCalls: number;
}

/** One change of an opt-out attribute on a profile that has an externalId (what the opt-out export feed writes). */
export interface OptOutChange {
  seq: number;
  externalId: string;
  attribute: OptOutAttribute;
  value: boolean;
  changedAt: string;
}

/** Values to write, already converted; `links` holds link field → target PKey. */
export interface RecordChanges {
  values: Record<string, StoredValue>;
  links: Record<string, string>;
  /** Links by a field of the target that no target record has (an import that keeps unreconciled links). */
  unresolved?: WaitingLink[];
}

/** A link given by a target field's value that matches no record yet. */
export interface WaitingLink {
  field: string;
  targetField: string;
  value: string;
}

/** What an import does with a row whose link matches no record: reject it, or keep it (hidden, or without link). */
export type UnreconciledLinks = 'reject' | 'keep';

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

const BODY_FIELDS_IGNORED = new Set(['PKey', 'href']);

/** One resource's records, in insertion order, with equality indexes on key and filter fields. */
export class ResourceTable {
  private readonly records = new Map<string, StoredRecord>();
  /**
   * Records whose `1`-cardinality link's record does not exist yet: invisible (no listing, filter, count or PKey
   * finds them) until it arrives, as ACS keeps such a child of Adobe's integration.
   */
  private readonly hiddenRecords = new Map<string, { record: StoredRecord; waitsFor: WaitingLink }>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(readonly model: ResourceModel) {
    for (const field of model.indexed) this.indexes.set(field, new Map());
  }

  get size(): number {
    return this.records.size;
  }

  get(pkey: string): StoredRecord | undefined {
    return this.records.get(pkey);
  }

  values(): IterableIterator<StoredRecord> {
    return this.records.values();
  }

  /** PKeys whose `field` equals `value` (case-insensitively for email). */
  findEqual(field: string, value: string): string[] {
    const index = this.indexes.get(field);
    const wanted = indexKey(field, value);
    if (index) return [...(index.get(wanted) ?? [])];
    return [...this.records.values()]
      .filter((r) => indexKey(field, String(r.values[field] ?? '')) === wanted)
      .map((r) => r.pkey);
  }

  /** Hidden records, with the link each waits for. */
  hidden(): { record: StoredRecord; waitsFor: WaitingLink }[] {
    return [...this.hiddenRecords.values()];
  }

  hide(record: StoredRecord, waitsFor: WaitingLink): void {
    this.hiddenRecords.set(record.pkey, { record, waitsFor });
  }

  /** Makes a hidden record visible, linked to `targetPKey`. */
  reveal(pkey: string, targetPKey: string): void {
    const hidden = this.hiddenRecords.get(pkey);
    if (!hidden) return;
    this.hiddenRecords.delete(pkey);
    hidden.record.links[hidden.waitsFor.field] = targetPKey;
    this.insert(hidden.record);
  }

  /** The hidden record whose `fields` hold these values, if any. */
  hiddenWithKey(fields: readonly string[], values: Record<string, StoredValue>): StoredRecord | undefined {
    if (fields.length === 0) return undefined;
    return [...this.hiddenRecords.values()].find(({ record }) =>
      fields.every((field) => String(record.values[field] ?? '') === String(values[field] ?? ''))
    )?.record;
  }

  insert(record: StoredRecord): void {
    this.records.set(record.pkey, record);
    this.indexRecord(record, 'add');
  }

  replaceValues(record: StoredRecord, values: Record<string, StoredValue>): void {
    this.indexRecord(record, 'remove');
    Object.assign(record.values, values);
    this.indexRecord(record, 'add');
  }

  delete(pkey: string): boolean {
    const record = this.records.get(pkey);
    if (!record) return false;
    this.indexRecord(record, 'remove');
    this.records.delete(pkey);
    return true;
  }

  private indexRecord(record: StoredRecord, action: 'add' | 'remove'): void {
    for (const [field, index] of this.indexes) {
      const value = record.values[field];
      if (value === null || value === undefined || value === '') continue;
      const key = indexKey(field, String(value));
      let set = index.get(key);
      if (action === 'add') {
        if (!set) index.set(key, (set = new Set()));
        set.add(record.pkey);
      } else if (set) {
        set.delete(record.pkey);
        if (set.size === 0) index.delete(key);
      }
    }
  }
}

/** All simulated records, with ACS's write rules, timestamps and engine-call accounting. */
export class CampaignStore {
  readonly tables = new Map<string, ResourceTable>();
  readonly counts: EngineCallCounts = { inserts: 0, updates: 0, unchangedUpdates: 0, deletes: 0, engineCalls: 0 };
  readonly optOutChanges: OptOutChange[] = [];
  private optOutSeq = 0;

  constructor(
    models: ResourceModel[],
    private readonly now: () => Date = () => new Date()
  ) {
    for (const model of models) this.tables.set(model.name, new ResourceTable(model));
    for (const model of models) {
      for (const [field, link] of Object.entries(model.links)) {
        if (!this.tables.has(link.target))
          throw new TypeError(`the '${field}' link of '${model.name}' targets '${link.target}', which does not exist`);
      }
    }
  }

  table(name: string): ResourceTable | undefined {
    return this.tables.get(name);
  }

  /** Converts a JSON body, refusing unknown, read-only and invalid fields the way ACS does. */
  changesFromJson(model: ResourceModel, surface: ApiSurface, body: unknown): RecordChanges {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new AcsError(400, AcsErrorCode.badRequest, 'The request body must be a JSON object.');
    }
    const changes: RecordChanges = { values: {}, links: {} };
    for (const [field, value] of Object.entries(body as Record<string, unknown>)) {
      if (BODY_FIELDS_IGNORED.has(field)) continue;
      if (model.links[field]) {
        changes.links[field] = this.linkTarget(model, field, value);
        continue;
      }
      const spec = model.fields[field];
      if (!spec || (surface === 'profileAndServices' && model.extensionFields.has(field))) {
        throw new AcsError(
          500,
          AcsErrorCode.unknownProperty,
          `'${field}' property is not valid for the '${model.name}' resource`
        );
      }
      if (spec.readOnly) {
        throw new AcsError(500, AcsErrorCode.readOnly, `Cannot update the '${field}' property that is read-only`);
      }
      changes.values[field] = valueFromJson(model.name, field, spec, value);
    }
    return changes;
  }

  /**
   * Converts one CSV row (header name → cell text); unknown columns are refused. A column `<link>.<field>` (e.g.
   * `profile.externalId`) links the record to the target whose `<field>` equals the cell; an empty cell sets no link.
   */
  changesFromText(
    model: ResourceModel,
    row: Record<string, string>,
    unreconciled: UnreconciledLinks = 'reject'
  ): RecordChanges {
    const changes: RecordChanges = { values: {}, links: {} };
    for (const [field, text] of Object.entries(row)) {
      const [linkField = '', targetField] = field.split('.', 2);
      if (targetField !== undefined && model.links[linkField]) {
        if (text === '') continue;
        const target = this.linkByField(model, linkField, targetField, text, unreconciled);
        if (target !== undefined) changes.links[linkField] = target;
        else (changes.unresolved ??= []).push({ field: linkField, targetField, value: text });
        continue;
      }
      const spec = model.fields[field];
      if (!spec || spec.readOnly) {
        throw new AcsError(400, AcsErrorCode.unknownProperty, `'${field}' is not a writable field of '${model.name}'`);
      }
      changes.values[field] = valueFromText(model.name, field, spec, text);
    }
    return changes;
  }

  create(table: ResourceTable, changes: RecordChanges): StoredRecord {
    this.refuseHidden(table, table.model.identificationKey, changes);
    const waitsFor = changes.unresolved?.find((link) => table.model.links[link.field]?.required);
    for (const [field, link] of Object.entries(table.model.links)) {
      if (link.required && changes.links[field] === undefined && waitsFor?.field !== field) {
        throw new AcsError(
          400,
          AcsErrorCode.invalidValue,
          `The '${field}' link of '${table.model.name}' is mandatory.`
        );
      }
    }
    const stamp = formatAcsDateTime(this.now());
    const record: StoredRecord = { pkey: newPKey(), values: {}, links: { ...changes.links } };
    record.values = { ...changes.values, created: stamp, lastModified: stamp };
    if (table.model.name === 'profile') this.applyProfileRules(record, changes.values, stamp, true);
    this.count('insert');
    if (waitsFor) {
      table.hide(record, waitsFor);
      return record;
    }
    table.insert(record);
    this.revealChildrenOf(table.model.name, record);
    return record;
  }

  /** Hidden records waiting for this new record (their link's field value matches) become visible, linked to it. */
  private revealChildrenOf(target: string, record: StoredRecord): void {
    for (const table of this.tables.values()) {
      for (const { record: child, waitsFor } of table.hidden()) {
        if (table.model.links[waitsFor.field]?.target !== target) continue;
        if (String(record.values[waitsFor.targetField] ?? '') === waitsFor.value) table.reveal(child.pkey, record.pkey);
      }
    }
  }

  /**
   * ACS does not process a write to a hidden record (its key is taken, yet no API call can reach it): Adobe's
   * integration documents the error an update or delete of such a child gets before its parent arrives.
   */
  private refuseHidden(table: ResourceTable, keyFields: readonly string[], changes: RecordChanges): void {
    const hidden = table.hiddenWithKey(keyFields, changes.values);
    if (!hidden) return;
    throw new AcsError(
      400,
      AcsErrorCode.invalidValue,
      `The '${table.model.name}' record is not processed: it stays hidden until the record its link points to exists.`
    );
  }

  /** Applies changes; counts an engine update of 2, or 1 when nothing differs. @returns whether anything changed */
  update(table: ResourceTable, record: StoredRecord, changes: RecordChanges, counted = true): boolean {
    const changedValues = Object.fromEntries(
      Object.entries(changes.values).filter(([f, v]) => (record.values[f] ?? null) !== v)
    );
    const changedLinks = Object.entries(changes.links).filter(([f, v]) => record.links[f] !== v);
    if (Object.keys(changedValues).length === 0 && changedLinks.length === 0) {
      if (counted) this.count('unchanged');
      return false;
    }
    const stamp = formatAcsDateTime(this.now());
    table.replaceValues(record, { ...changedValues, lastModified: stamp });
    for (const [field, pkey] of changedLinks) record.links[field] = pkey;
    if (table.model.name === 'profile') this.applyProfileRules(record, changedValues, stamp, false);
    if (counted) this.count('update');
    return true;
  }

  /** Deletes a record; the records linking to it follow their link's `onTargetDelete` (cleared by default). */
  remove(table: ResourceTable, pkey: string): boolean {
    const referrers = this.referrersOf(table.model.name, pkey);
    const refusing = referrers.find((r) => r.onTargetDelete === 'refuse');
    if (refusing) {
      throw new AcsError(
        400,
        AcsErrorCode.invalidValue,
        `The '${table.model.name}' record cannot be deleted: '${refusing.table.model.name}' records link to it.`
      );
    }
    const removed = table.delete(pkey);
    if (!removed) return false;
    this.count('delete');
    for (const { table: childTable, record, field, onTargetDelete } of referrers) {
      if (onTargetDelete === 'delete') this.remove(childTable, record.pkey);
      else delete record.links[field];
    }
    return true;
  }

  /** The records whose links point to this record, with what its deletion does to each. */
  private referrersOf(
    target: string,
    pkey: string
  ): { table: ResourceTable; record: StoredRecord; field: string; onTargetDelete: string }[] {
    const found: { table: ResourceTable; record: StoredRecord; field: string; onTargetDelete: string }[] = [];
    for (const table of this.tables.values()) {
      for (const [field, link] of Object.entries(table.model.links)) {
        if (link.target !== target) continue;
        for (const record of table.values()) {
          if (record.links[field] === pkey)
            found.push({ table, record, field, onTargetDelete: link.onTargetDelete ?? 'clear' });
        }
      }
    }
    return found;
  }

  /** Insert-or-update by key fields (the import workflow's Update data step). */
  upsertByKey(table: ResourceTable, keyFields: string[], changes: RecordChanges): UpsertOutcome {
    const keyValues = keyFields.map((field) => changes.values[field]);
    if (keyValues.some((value) => value === null || value === undefined || value === '')) {
      throw new AcsError(400, AcsErrorCode.invalidValue, `The key (${keyFields.join(', ')}) is empty.`);
    }
    this.refuseHidden(table, keyFields, changes);
    const [first, ...rest] = keyFields;
    const candidates = table.findEqual(first ?? '', String(keyValues[0]));
    const matches = candidates.filter((pkey) =>
      rest.every((field) => String(table.get(pkey)?.values[field] ?? '') === String(changes.values[field]))
    );
    if (matches.length > 1) throw new AcsError(400, AcsErrorCode.invalidValue, 'The key matches more than one record.');
    const existing = matches[0] === undefined ? undefined : table.get(matches[0]);
    if (!existing) {
      this.create(table, changes);
      return 'inserted';
    }
    return this.update(table, existing, changes) ? 'updated' : 'unchanged';
  }

  resetCounts(): void {
    Object.assign(this.counts, { inserts: 0, updates: 0, unchangedUpdates: 0, deletes: 0, engineCalls: 0 });
  }

  private count(kind: 'insert' | 'update' | 'unchanged' | 'delete'): void {
    if (kind === 'insert') this.counts.inserts += 1;
    if (kind === 'update') this.counts.updates += 1;
    if (kind === 'unchanged') this.counts.unchangedUpdates += 1;
    if (kind === 'delete') this.counts.deletes += 1;
    this.counts.engineCalls += kind === 'update' ? 2 : 1;
  }

  /** `age` from `birthDate`; per-attribute `*LastModified` and the opt-out journal when an opt-out value changes. */
  private applyProfileRules(
    record: StoredRecord,
    changed: Record<string, StoredValue>,
    stamp: string,
    isNew: boolean
  ): void {
    if ('birthDate' in changed) record.values.age = ageOn(record.values.birthDate, this.now());
    let anyBlackList = false;
    for (const attribute of OPT_OUT_ATTRIBUTES) {
      if (!(attribute in changed)) continue;
      if (isNew && changed[attribute] !== true) continue;
      record.values[`${attribute}LastModified`] = stamp;
      if (attribute !== 'ccpaOptOut') anyBlackList = true;
      const externalId = record.values.externalId;
      if (typeof externalId === 'string' && externalId !== '') {
        this.optOutSeq += 1;
        this.optOutChanges.push({
          seq: this.optOutSeq,
          externalId,
          attribute,
          value: changed[attribute] === true,
          changedAt: stamp,
        });
      }
    }
    if (anyBlackList) record.values.blackListAllLastModified = stamp;
  }

  /** The PKey of the one target record whose `targetField` is `value`; undefined when none and `keep`. */
  private linkByField(
    model: ResourceModel,
    linkField: string,
    targetField: string,
    value: string,
    unreconciled: UnreconciledLinks
  ): string | undefined {
    const target = this.tables.get(model.links[linkField]?.target ?? '');
    const matches = target?.findEqual(targetField, value) ?? [];
    if (matches.length === 0 && unreconciled === 'keep') return undefined;
    if (matches.length !== 1 || matches[0] === undefined) {
      throw new AcsError(
        400,
        AcsErrorCode.invalidValue,
        `The '${linkField}' link: ${matches.length === 0 ? 'no' : 'more than one'} ${model.links[linkField]?.target ?? ''} has ${targetField} '${value}'.`
      );
    }
    return matches[0];
  }

  private linkTarget(model: ResourceModel, field: string, value: unknown): string {
    const pkey = (value as { PKey?: unknown } | null)?.PKey;
    const target = this.tables.get(model.links[field]?.target ?? '');
    if (typeof pkey !== 'string' || !target?.get(pkey)) {
      throw new AcsError(
        400,
        AcsErrorCode.invalidValue,
        `The '${field}' link must be { "PKey": <PKey of an existing record> }.`
      );
    }
    return pkey;
  }
}

/** An opaque, unguessable PKey in ACS's look (`@` + URL-safe characters). */
export function newPKey(): string {
  return `@${randomBytes(48).toString('base64url')}`;
}

function indexKey(field: string, value: string): string {
  return field === 'email' ? value.toLowerCase() : value;
}

function ageOn(birthDate: StoredValue | undefined, today: Date): number | null {
  if (typeof birthDate !== 'string' || birthDate === '') return null;
  const born = new Date(`${birthDate}T00:00:00.000Z`);
  let age = today.getUTCFullYear() - born.getUTCFullYear();
  const beforeBirthday =
    today.getUTCMonth() < born.getUTCMonth() ||
    (today.getUTCMonth() === born.getUTCMonth() && today.getUTCDate() < born.getUTCDate());
  if (beforeBirthday) age -= 1;
  return age;
}
