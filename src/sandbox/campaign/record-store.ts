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
}

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

const BODY_FIELDS_IGNORED = new Set(['PKey', 'href']);

/** One resource's records, in insertion order, with equality indexes on key and filter fields. */
export class ResourceTable {
  private readonly records = new Map<string, StoredRecord>();
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
  changesFromText(model: ResourceModel, row: Record<string, string>): RecordChanges {
    const changes: RecordChanges = { values: {}, links: {} };
    for (const [field, text] of Object.entries(row)) {
      const [linkField = '', targetField] = field.split('.', 2);
      if (targetField !== undefined && model.links[linkField]) {
        if (text !== '') changes.links[linkField] = this.linkByField(model, linkField, targetField, text);
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
    for (const [field, link] of Object.entries(table.model.links)) {
      if (link.required && changes.links[field] === undefined) {
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
    table.insert(record);
    this.count('insert');
    return record;
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

  remove(table: ResourceTable, pkey: string): boolean {
    const removed = table.delete(pkey);
    if (removed) this.count('delete');
    return removed;
  }

  /** Insert-or-update by key fields (the import workflow's Update data step). */
  upsertByKey(table: ResourceTable, keyFields: string[], changes: RecordChanges): UpsertOutcome {
    const keyValues = keyFields.map((field) => changes.values[field]);
    if (keyValues.some((value) => value === null || value === undefined || value === '')) {
      throw new AcsError(400, AcsErrorCode.invalidValue, `The key (${keyFields.join(', ')}) is empty.`);
    }
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

  private linkByField(model: ResourceModel, linkField: string, targetField: string, value: string): string {
    const target = this.tables.get(model.links[linkField]?.target ?? '');
    const matches = target?.findEqual(targetField, value) ?? [];
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
