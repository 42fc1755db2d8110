import { Errors, type WebApiError } from './errors';

/** `$select`, `$filter` and `$expand` of a metadata request, parsed and checked against the type they apply to. */
export interface MetadataQuery {
  /** Property names to keep; undefined keeps every property. */
  select: string[] | undefined;
  filter: (record: Record<string, unknown>) => boolean;
  /** Navigation properties to expand, each with its own nested options. */
  expand: Map<string, MetadataQuery>;
}

const NAMESPACE = 'Microsoft.Dynamics.CRM.';

/** The derived attribute types Dataverse defines (a cast to any other name is an unknown segment). */
const ATTRIBUTE_TYPES = new Set([
  'BigIntAttributeMetadata',
  'BooleanAttributeMetadata',
  'DateTimeAttributeMetadata',
  'DecimalAttributeMetadata',
  'DoubleAttributeMetadata',
  'EntityNameAttributeMetadata',
  'FileAttributeMetadata',
  'ImageAttributeMetadata',
  'IntegerAttributeMetadata',
  'LookupAttributeMetadata',
  'ManagedPropertyAttributeMetadata',
  'MemoAttributeMetadata',
  'MoneyAttributeMetadata',
  'MultiSelectPicklistAttributeMetadata',
  'PicklistAttributeMetadata',
  'StateAttributeMetadata',
  'StatusAttributeMetadata',
  'StringAttributeMetadata',
  'UniqueIdentifierAttributeMetadata',
]);

/** Properties that exist only on some derived attribute types (selecting them on another type is an error). */
const DERIVED_PROPERTIES: Record<string, string[]> = {
  MaxLength: ['StringAttributeMetadata', 'MemoAttributeMetadata'],
  Format: ['StringAttributeMetadata', 'MemoAttributeMetadata', 'DateTimeAttributeMetadata', 'IntegerAttributeMetadata'],
  DateTimeBehavior: ['DateTimeAttributeMetadata'],
  Targets: ['LookupAttributeMetadata'],
  DefaultValue: ['BooleanAttributeMetadata', 'MultiSelectPicklistAttributeMetadata'],
  DefaultFormValue: ['PicklistAttributeMetadata', 'StateAttributeMetadata', 'StatusAttributeMetadata'],
  MinValue: [
    'IntegerAttributeMetadata',
    'BigIntAttributeMetadata',
    'DecimalAttributeMetadata',
    'MoneyAttributeMetadata',
  ],
  MaxValue: [
    'IntegerAttributeMetadata',
    'BigIntAttributeMetadata',
    'DecimalAttributeMetadata',
    'MoneyAttributeMetadata',
  ],
};

/** Navigation properties the simulator serves, per metadata type. */
const NAVIGATION: Record<string, string[]> = {
  EntityMetadata: ['Attributes', 'Keys'],
  PicklistAttributeMetadata: ['OptionSet'],
  StateAttributeMetadata: ['OptionSet'],
  StatusAttributeMetadata: ['OptionSet'],
  BooleanAttributeMetadata: ['OptionSet'],
};

/** The derived type a cast segment names (`Microsoft.Dynamics.CRM.DateTimeAttributeMetadata`), or an error. */
export function derivedAttributeType(cast: string): string {
  const name = cast.startsWith(NAMESPACE) ? cast.slice(NAMESPACE.length) : '';
  if (!ATTRIBUTE_TYPES.has(name)) throw Errors.resourceNotFound(cast);
  return name;
}

/** The query options of an attribute read, on the base type or on the derived type of a cast. */
export function attributeOptions(params: URLSearchParams, typeName: string | undefined): MetadataQuery {
  return metadataQuery(params, typeName ?? 'AttributeMetadata');
}

/** Parses the query options of a metadata request on `typeName` (e.g. `EntityMetadata`). */
export function metadataQuery(params: URLSearchParams, typeName: string): MetadataQuery {
  return parseOptions(
    { select: params.get('$select'), filter: params.get('$filter'), expand: params.get('$expand') },
    typeName
  );
}

/** Keeps the selected properties (and the type and id annotations Dataverse always returns). */
export function project(record: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return { ...record };
  const names = new Set([...select, '@odata.type', 'MetadataId']);
  return Object.fromEntries(Object.entries(record).filter(([name]) => names.has(name)));
}

interface RawOptions {
  select: string | null;
  filter: string | null;
  expand: string | null;
}

function parseOptions(raw: RawOptions, typeName: string): MetadataQuery {
  const select = raw.select === null ? undefined : raw.select.split(',').map((name) => name.trim());
  for (const name of select ?? []) {
    const owners = DERIVED_PROPERTIES[name];
    if (owners && !owners.includes(typeName)) throw unknownProperty(name, typeName);
  }
  const expand = new Map<string, MetadataQuery>();
  for (const item of splitTopLevel(raw.expand ?? '', ',')) {
    const match = /^(\w+)(?:\((.*)\))?$/s.exec(item.trim());
    if (!match) throw Errors.badRequest(`The $expand option '${item}' is not valid.`);
    const name = match[1] as string;
    if (!(NAVIGATION[typeName] ?? []).includes(name)) throw unknownProperty(name, typeName);
    const nestedType =
      name === 'Attributes' ? 'AttributeMetadata' : name === 'Keys' ? 'EntityKeyMetadata' : 'OptionSet';
    expand.set(name, parseOptions(nestedOptions(match[2] ?? ''), nestedType));
  }
  return { select, filter: equalityFilter(raw.filter, typeName), expand };
}

/** `$select=a,b;$filter=…` inside `Name(…)` of an `$expand`. */
function nestedOptions(text: string): RawOptions {
  const options: RawOptions = { select: null, filter: null, expand: null };
  for (const part of splitTopLevel(text, ';')) {
    const match = /^\s*\$(select|filter|expand)=(.*)$/s.exec(part);
    if (!match) throw Errors.badRequest(`The nested query option '${part}' is not supported.`);
    options[match[1] as keyof RawOptions] = (match[2] as string).trim();
  }
  return options;
}

/** Splits on `separator` outside parentheses and quoted strings. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && ch === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  const last = text.slice(start);
  if (last.trim() !== '' || parts.length > 0) parts.push(last);
  return parts.filter((part) => part.trim() !== '');
}

/**
 * `$filter` of `and`-joined `Property eq|ne literal` clauses, where a property may be a path (`AttributeTypeName/Value`)
 * and a literal a string, number, Boolean or enumeration member (`Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'`).
 */
function equalityFilter(filter: string | null, typeName: string): (record: Record<string, unknown>) => boolean {
  if (!filter) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => {
    const match = /^\s*([\w/]+)\s+(eq|ne)\s+((?:[\w.]+)?'(?:[^']|'')*'|true|false|-?\d+(?:\.\d+)?)\s*$/.exec(clause);
    if (!match) {
      throw Errors.badRequest(
        `The simulator supports only 'Property eq value' clauses joined by 'and' on ${typeName}: '${clause}'.`
      );
    }
    return { path: (match[1] as string).split('/'), equal: match[2] === 'eq', value: literal(match[3] as string) };
  });
  return (record) => clauses.every((clause) => (valueAt(record, clause.path) === clause.value) === clause.equal);
}

function literal(raw: string): unknown {
  const quote = raw.indexOf("'");
  if (quote >= 0) return raw.slice(quote + 1, -1).replace(/''/g, "'");
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return Number(raw);
}

function valueAt(record: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = record;
  for (const name of path) value = (value as Record<string, unknown> | null | undefined)?.[name];
  return value;
}

function unknownProperty(name: string, typeName: string): WebApiError {
  return Errors.badRequest(`Could not find a property named '${name}' on type '${NAMESPACE}${typeName}'.`);
}
