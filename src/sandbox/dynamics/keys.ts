import { Errors } from './errors';
import { type TableDefinition, type Value } from './schema';

/** A resource path split into entity set, optional key text and optional trailing segment. */
export interface ResourcePath {
  entitySet: string;
  key?: string;
  segment?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
  return GUID.test(text);
}

/** Splits `contacts(emailaddress1='a@b.com')/$count` (already percent-decoded). */
export function parseResourcePath(path: string): ResourcePath | undefined {
  const open = path.indexOf('(');
  if (open < 0) {
    const [entitySet = '', ...rest] = path.split('/');
    return { entitySet, segment: rest.length > 0 ? rest.join('/') : undefined };
  }
  // Find the matching close parenthesis outside quoted strings.
  let inQuote = false;
  for (let i = open + 1; i < path.length; i++) {
    const ch = path[i];
    if (ch === "'") inQuote = !inQuote;
    else if (ch === ')' && !inQuote) {
      const tail = path.slice(i + 1);
      if (tail !== '' && !tail.startsWith('/')) return undefined;
      return {
        entitySet: path.slice(0, open),
        key: path.slice(open + 1, i),
        segment: tail ? tail.slice(1) : undefined,
      };
    }
  }
  return undefined;
}

/** A row key: the primary key, or the column values of one alternate key. */
export type RowKey = { kind: 'id'; id: string } | { kind: 'alternate'; values: Record<string, Value> };

function parseKeyValue(raw: string): Value {
  if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) return raw.slice(1, -1).replace(/''/g, "'");
  if (raw === 'null') return null;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (isGuid(raw)) return raw.toLowerCase();
  const number = Number(raw);
  return Number.isNaN(number) ? raw : number;
}

/** Parses key text (`<guid>`, `contactid=<guid>`, `col='v',col2=2`) and checks it names a declared key. */
export function parseKey(text: string, table: TableDefinition): RowKey {
  if (isGuid(text)) return { kind: 'id', id: text.toLowerCase() };
  const values: Record<string, Value> = {};
  let inQuote = false;
  let start = 0;
  const pairs: string[] = [];
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === "'") inQuote = !inQuote;
    if ((ch === ',' && !inQuote) || i === text.length) {
      pairs.push(text.slice(start, i));
      start = i + 1;
    }
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw Errors.invalidKey(table.logicalName);
    values[pair.slice(0, eq).trim()] = parseKeyValue(pair.slice(eq + 1).trim());
  }
  const names = Object.keys(values).sort();
  if (names.length === 1 && names[0] === table.primaryIdAttribute) {
    const id = values[table.primaryIdAttribute];
    if (typeof id !== 'string' || !isGuid(id)) throw Errors.invalidKey(table.logicalName);
    return { kind: 'id', id };
  }
  const declared = table.alternateKeys.some((key) => [...key].sort().join(',') === names.join(','));
  if (!declared) throw Errors.invalidKey(table.logicalName);
  return { kind: 'alternate', values };
}
