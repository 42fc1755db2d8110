import { Errors } from './errors';
import { type ColumnDefinition, type TableDefinition, type Value } from './schema';

/** A compiled `$filter`: true when the row matches. */
export type RowPredicate = (values: Record<string, Value>) => boolean;

type Token = { kind: 'open' | 'close' | 'comma' } | { kind: 'string'; text: string } | { kind: 'word'; text: string };

const PUNCTUATION: Record<string, 'open' | 'close' | 'comma'> = { '(': 'open', ')': 'close', ',': 'comma' };
const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['contains', 'startswith', 'endswith']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    const punctuation = PUNCTUATION[ch];
    if (/\s/.test(ch)) i++;
    else if (punctuation) {
      tokens.push({ kind: punctuation });
      i++;
    } else if (ch === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= input.length) throw Errors.badRequest('Syntax error: unterminated string literal in $filter.');
        if (input[i] === "'" && input[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (input[i] === "'") break;
        else text += input[i++] as string;
      }
      i++;
      tokens.push({ kind: 'string', text });
    } else {
      const match = /^[A-Za-z0-9_.:+\-/]+/.exec(input.slice(i));
      if (!match) throw Errors.badRequest(`Syntax error at position ${i} in $filter.`);
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

type Literal = { kind: 'string'; value: string } | { kind: 'raw'; value: string };

/** Compiles an OData `$filter` over a table's columns (the documented operators and string functions). */
export function compileFilter(filter: string, table: TableDefinition): RowPredicate {
  const tokens = tokenize(filter);
  let position = 0;
  const columns = new Map(table.columns.map((c) => [c.name, c]));

  const peek = (): Token | undefined => tokens[position];
  const next = (): Token => {
    const token = tokens[position++];
    if (!token) throw Errors.badRequest('Syntax error: unexpected end of $filter.');
    return token;
  };
  const isWord = (token: Token | undefined, text: string): boolean =>
    token?.kind === 'word' && token.text.toLowerCase() === text;
  const expect = (kind: Token['kind']): void => {
    if (next().kind !== kind) throw Errors.badRequest(`Syntax error in $filter: expected '${kind}'.`);
  };
  const column = (name: string): ColumnDefinition => {
    const definition = columns.get(name);
    if (!definition) {
      throw Errors.badRequest(
        `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${table.logicalName}'.`
      );
    }
    return definition;
  };
  const literal = (): Literal => {
    const token = next();
    if (token.kind === 'string') return { kind: 'string', value: token.text };
    if (token.kind === 'word') return { kind: 'raw', value: token.text };
    throw Errors.badRequest('Syntax error in $filter: expected a literal.');
  };

  const parseOr = (): RowPredicate => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      position++;
      const l = left;
      const r = parseAnd();
      left = (v) => l(v) || r(v);
    }
    return left;
  };
  const parseAnd = (): RowPredicate => {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      position++;
      const l = left;
      const r = parseUnary();
      left = (v) => l(v) && r(v);
    }
    return left;
  };
  const parseUnary = (): RowPredicate => {
    if (isWord(peek(), 'not')) {
      position++;
      const inner = parseUnary();
      return (v) => !inner(v);
    }
    return parsePrimary();
  };
  const parsePrimary = (): RowPredicate => {
    const token = next();
    if (token.kind === 'open') {
      const inner = parseOr();
      expect('close');
      return inner;
    }
    if (token.kind !== 'word') throw Errors.badRequest('Syntax error in $filter: expected a property name.');
    const name = token.text;
    if (FUNCTIONS.has(name.toLowerCase()) && peek()?.kind === 'open') {
      position++;
      const target = next();
      if (target.kind !== 'word') throw Errors.badRequest(`Syntax error in $filter: ${name} needs a property.`);
      const definition = column(target.text);
      expect('comma');
      const argument = literal();
      expect('close');
      const needle = argument.value.toLowerCase();
      const fn = name.toLowerCase();
      return (v) => {
        const value = v[definition.name];
        if (typeof value !== 'string') return false;
        const hay = value.toLowerCase();
        return fn === 'contains'
          ? hay.includes(needle)
          : fn === 'startswith'
            ? hay.startsWith(needle)
            : hay.endsWith(needle);
      };
    }
    const definition = column(name);
    const operator = next();
    if (operator.kind !== 'word' || !COMPARISONS.has(operator.text.toLowerCase())) {
      throw Errors.badRequest(`Syntax error in $filter: expected a comparison operator after '${name}'.`);
    }
    const op = operator.text.toLowerCase();
    const operand = toValue(literal(), definition);
    return (v) => compare(v[definition.name] ?? null, operand, op, definition);
  };

  const predicate = parseOr();
  if (position !== tokens.length) throw Errors.badRequest(`Syntax error in $filter at token ${position + 1}.`);
  return predicate;
}

function toValue(literal: Literal, column: ColumnDefinition): Value {
  if (literal.kind === 'string') return literal.value;
  const raw = literal.value;
  if (raw === 'null') return null;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (
    column.type === 'Uniqueidentifier' ||
    column.type === 'Lookup' ||
    column.type === 'DateTime' ||
    column.type === 'DateOnly'
  ) {
    return raw;
  }
  const number = Number(raw);
  if (Number.isNaN(number)) throw Errors.badRequest(`Syntax error in $filter: '${raw}' is not a valid literal.`);
  return number;
}

/** Orders two stored values of one column (strings case-insensitively, dates by instant). */
export function compareValues(a: Value, b: Value, column: ColumnDefinition): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (column.type === 'DateTime') return Date.parse(String(a)) - Date.parse(String(b));
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return Number(a) - Number(b);
}

function compare(actual: Value, operand: Value, op: string, column: ColumnDefinition): boolean {
  if (op === 'eq' || op === 'ne') {
    const equal =
      actual === null || operand === null ? actual === operand : compareValues(actual, operand, column) === 0;
    return op === 'eq' ? equal : !equal;
  }
  if (actual === null || operand === null) return false;
  const order = compareValues(actual, operand, column);
  return op === 'gt' ? order > 0 : op === 'ge' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
}
