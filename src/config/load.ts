import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema';
import { checkConfigRules, type ConfigProblem } from './rules';
import { configErrorMap, problemsFromZod } from './zod-problems';

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

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
  return validateConfig(document.toJS() as unknown);
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
