import pino, { type Logger } from 'pino';

export type { Logger };

/** Key paths whose values are replaced by `[redacted]` in every log line, wherever they appear. */
const REDACTED_PATHS = [
  'secret',
  'password',
  'privateKey',
  'apiKey',
  'token',
  'accessToken',
  'authorization',
  '*.secret',
  '*.password',
  '*.privateKey',
  '*.apiKey',
  '*.token',
  '*.accessToken',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

export interface LoggerOptions {
  /** Minimum level. @default process.env.LOG_LEVEL ?? 'info' */
  level?: string;
  /**
   * `json`: one JSON object per line (for log collectors); `pretty`: coloured, human-readable.
   * @default process.env.LOG_FORMAT, else `pretty` when stderr is a terminal, else `json`
   */
  format?: 'json' | 'pretty';
  /** Fields added to every line, e.g. `{ component: 'worker' }`. */
  bindings?: Record<string, string>;
}

/** Structured logger writing to stderr, so that stdout stays free for command output. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const format = options.format ?? parseFormat(process.env.LOG_FORMAT) ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const base = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: options.bindings ?? {} };
  if (format === 'pretty') {
    return pino(base, pino.transport({ target: 'pino-pretty', options: { destination: 2, ignore: 'pid,hostname' } }));
  }
  return pino(base, pino.destination({ fd: 2, sync: true }));
}

function parseFormat(value: string | undefined): 'json' | 'pretty' | undefined {
  return value === 'json' || value === 'pretty' ? value : undefined;
}
