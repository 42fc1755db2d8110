import { readFile, stat } from 'node:fs/promises';
import YAML from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema';
import { checkConfigRules, type ConfigProblem } from './rules';
import { configErrorMap, problemsFromZod } from './zod-problems';

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

/** A configuration file is a few kilobytes; anything this large is the wrong file. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** The longest value a configuration holds (a filter list or a public key is far shorter). */
export const MAX_CONFIG_VALUE_CHARS = 64 * 1024;

/** Parses and validates a configuration file's text. Reports every problem, not just the first. */
export function parseConfig(text: string): ConfigResult {
  const document = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '(yaml)',
        message: `not valid YAML: ${error.message.split('\n')[0] ?? error.message}`,
      })),
    };
  }
  const input = document.toJS() as unknown;
  const oversized = oversizedValues(input, []);
  return oversized.length > 0 ? { ok: false, problems: oversized } : validateConfig(input);
}

/** Values over {@link MAX_CONFIG_VALUE_CHARS}, by path (the value itself is never repeated). */
function oversizedValues(value: unknown, path: (string | number)[]): ConfigProblem[] {
  if (typeof value === 'string' && value.length > MAX_CONFIG_VALUE_CHARS) {
    const message = `the value is ${value.length} characters long; a value is at most ${MAX_CONFIG_VALUE_CHARS}`;
    return [{ path: path.join('.') || '(root)', message }];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => oversizedValues(item, [...path, index]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => oversizedValues(item, [...path, key]));
  }
  return [];
}

/** Validates an already-parsed configuration object. */
export function validateConfig(input: unknown): ConfigResult {
  if (input === null || input === undefined) {
    return { ok: false, problems: [{ path: '(root)', message: 'the file is empty; start from config/example.yaml' }] };
  }
  const parsed = configSchema.safeParse(input, { error: configErrorMap });
  if (!parsed.success) {
    return { ok: false, problems: problemsFromZod(parsed.error.issues, (path) => keysAt(configSchema, path)) };
  }
  const problems = checkConfigRules(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: parsed.data };
}

/** Reads and validates a configuration file. A file that cannot be read is reported as a problem too. */
export async function loadConfigFile(file: string): Promise<ConfigResult> {
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_CONFIG_FILE_BYTES) {
      const message = `the configuration file is ${size} bytes; a configuration file is at most ${MAX_CONFIG_FILE_BYTES} bytes (is it the right file?)`;
      return { ok: false, problems: [{ path: file, message }] };
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { ok: false, problems: [{ path: file, message: `cannot read the configuration file: ${reason}` }] };
  }
  return parseConfig(text);
}

/** The keys the schema allows at a path, for "did you mean" hints. */
function keysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const part of path) {
    current = unwrap(current);
    if (current instanceof z.ZodArray && typeof part === 'number') current = current.element as z.ZodType;
    else if (current instanceof z.ZodObject && typeof part === 'string')
      current = current.shape[part] as z.ZodType | undefined;
    else return [];
    if (!current) return [];
  }
  const target = unwrap(current);
  return target instanceof z.ZodObject ? Object.keys(target.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
  return current;
}
