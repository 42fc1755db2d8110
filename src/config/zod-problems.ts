import { type z } from 'zod';
import { type ConfigProblem } from './rules';

/** `['ingress', 0, 'fields', 2, 'to']` → `ingress[0].fields[2].to`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  }
  return text === '' ? '(root)' : text;
}

/** Error map for parsing: a missing value reads `required`, a wrong type names what was expected. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required';
    return `must be ${article(issue.expected)}, not ${describe(issue.input)}`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  return undefined;
};

/** One problem per zod issue; an unknown key becomes one problem per key, at the key's own path. */
export function problemsFromZod(
  issues: readonly z.core.$ZodIssue[],
  knownKeysAt: (path: PropertyKey[]) => string[]
): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: unknownKeyMessage(key, knownKeysAt([...issue.path])),
      }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

function unknownKeyMessage(key: string, known: string[]): string {
  const suggestion = closest(key, known);
  return suggestion ? `unknown key (did you mean ${suggestion}?)` : `unknown key (allowed: ${known.join(', ')})`;
}

/** The known key nearest to a typo, if it is near enough to be a likely intent. */
function closest(key: string, known: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: 'text',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping (key: value)',
  };
  return names[expected] ?? expected;
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  // Values are not echoed: a secret pasted into the wrong field must not end up in a terminal or a log.
  return typeof input === 'string' ? 'text' : typeof input;
}
