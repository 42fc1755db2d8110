import { type IngressMapping } from '../../config/schema';
import { type RowFilter } from './filter';
import { isChoiceColumn, webApiColumnName } from './read-column';
import { type CampaignField, type CampaignFieldType, type D365Column, type D365ColumnType } from './types';

export interface Replacement {
  from: string | number | boolean;
  to: string | number | boolean | null;
}

export interface PlannedField {
  column: D365Column;
  field: CampaignField;
  applyUpdates: boolean;
  replacements: readonly Replacement[];
}

/** A mapping resolved against both systems' metadata: everything mapRecord needs, checked once. */
export interface IngressPlan {
  name: string;
  key: { column: D365Column; field: CampaignField };
  fields: readonly PlannedField[];
  filter?: RowFilter;
  deleteFilteredOut: boolean;
  picklists: 'label' | 'value';
  /** Web API column names to `$select`: key, mapped fields and filter columns. */
  select: readonly string[];
}

export interface PlanProblem {
  path: string;
  message: string;
}

/** Which D365 types can feed which Campaign types (before replacements; values are still checked one by one). */
const COMPATIBLE: Record<CampaignFieldType, readonly D365ColumnType[] | 'any'> = {
  string: 'any',
  integer: ['Integer', 'BigInt', 'Boolean', 'Picklist', 'State', 'Status'],
  float: ['Integer', 'BigInt', 'Decimal', 'Double', 'Money'],
  double: ['Integer', 'BigInt', 'Decimal', 'Double', 'Money'],
  boolean: ['Boolean'],
  date: ['DateTime'],
  datetime: ['DateTime'],
  enumeration: ['Picklist', 'State', 'Status', 'String', 'Boolean'],
};

/**
 * Resolves a configured mapping against the D365 table's columns and the Campaign resource's fields. Reports every
 * column or field that does not exist and every pairing that can never convert, with the config path.
 */
export function buildIngressPlan(
  mapping: IngressMapping,
  mappingIndex: number,
  columns: readonly D365Column[],
  fields: readonly CampaignField[]
): { ok: true; plan: IngressPlan } | { ok: false; problems: PlanProblem[] } {
  const at = `ingress[${mappingIndex}]`;
  const problems: PlanProblem[] = [];
  const columnByName = new Map(columns.map((column) => [column.logicalName, column]));
  const fieldByName = new Map(fields.map((field) => [field.name, field]));

  const column = (name: string, path: string): D365Column | undefined => {
    const found = columnByName.get(name);
    if (!found) problems.push({ path, message: `D365 table ${mapping.from} has no column ${name}` });
    return found;
  };
  const field = (name: string, path: string): CampaignField | undefined => {
    const found = fieldByName.get(name);
    if (!found) problems.push({ path, message: `Campaign resource ${mapping.to} has no field ${name}` });
    return found;
  };

  const keyColumn = column(mapping.key.from, `${at}.key.from`);
  const keyField = field(mapping.key.to, `${at}.key.to`);
  const planned: PlannedField[] = [];
  mapping.fields.forEach((configured, index) => {
    const source = column(configured.from, `${at}.fields[${index}].from`);
    const target = field(configured.to, `${at}.fields[${index}].to`);
    if (!source || !target) return;
    const replacements = mapping.replacements
      .filter((r) => r.field === configured.from)
      .map(({ from, to }) => ({ from, to }));
    const mode = mapping.picklists;
    if (replacements.length === 0 && !compatible(source, target, mode)) {
      problems.push({
        path: `${at}.fields[${index}]`,
        message: `D365 ${source.type} column ${source.logicalName} cannot be written to Campaign ${target.type} field ${target.name}`,
      });
      return;
    }
    planned.push({ column: source, field: target, applyUpdates: configured.applyUpdates, replacements });
  });
  mapping.replacements.forEach((replacement, index) => {
    if (!mapping.fields.some((f) => f.from === replacement.field)) {
      problems.push({
        path: `${at}.replacements[${index}].field`,
        message: `${replacement.field} is not a mapped field`,
      });
    }
  });
  const filterRules = (mapping.filter?.rules ?? []).flatMap((rule, index) => {
    const ruleColumn = column(rule.field, `${at}.filter.rules[${index}].field`);
    return ruleColumn
      ? [{ column: ruleColumn, op: rule.op, ...(rule.value !== undefined ? { value: rule.value } : {}) }]
      : [];
  });

  if (problems.length > 0 || !keyColumn || !keyField) return { ok: false, problems };
  const selected = new Set(
    [keyColumn, ...planned.map((p) => p.column), ...filterRules.map((r) => r.column)].map(webApiColumnName)
  );
  return {
    ok: true,
    plan: {
      name: mapping.name,
      key: { column: keyColumn, field: keyField },
      fields: planned,
      ...(mapping.filter ? { filter: { match: mapping.filter.match, rules: filterRules } } : {}),
      deleteFilteredOut: mapping.filter?.deleteFilteredOut ?? false,
      picklists: mapping.picklists,
      select: [...selected],
    },
  };
}

function compatible(source: D365Column, target: CampaignField, picklists: 'label' | 'value'): boolean {
  const allowed = COMPATIBLE[target.type];
  if (allowed === 'any') return true;
  // A choice column written by label carries text, which only text-like fields take.
  if (isChoiceColumn(source) && picklists === 'label') return target.type === 'enumeration';
  return allowed.includes(source.type);
}
