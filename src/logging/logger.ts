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
  /**
   * Fields added to every line, e.g. `{ component: 'worker' }`. A `component` given by a child logger or by the line
   * itself replaces this one (a line carries one `component` key, not two).
   */
  bindings?: Record<string, string>;
  /** Where JSON lines go. @default standard error */
  destination?: pino.DestinationStream;
}

/** Structured logger writing to stderr, so that stdout stays free for command output. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const format = options.format ?? parseFormat(process.env.LOG_FORMAT) ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const { component, ...bindings } = options.bindings ?? {};
  const base = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: bindings,
    // pino writes a child's bindings after its parent's without merging them: the default component is added only to
    // the lines of a logger (and a call) that name none.
    ...(component ? { mixin: defaultComponent(component) } : {}),
  };
  if (format === 'pretty') {
    return pino(base, pino.transport({ target: 'pino-pretty', options: { destination: 2, ignore: 'pid,hostname' } }));
  }
  return pino(base, options.destination ?? pino.destination({ fd: 2, sync: true }));
}

function defaultComponent(component: string): (line: object, level: number, logger: Logger) => object {
  return (line, _level, logger) =>
    'component' in line || logger.bindings().component !== undefined ? {} : { component };
}

function parseFormat(value: string | undefined): 'json' | 'pretty' | undefined {
  return value === 'json' || value === 'pretty' ? value : undefined;
}
