import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { TypedSearchAttributes } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { waitForPort } from './ports';

export interface DevServerOptions {
  /** The Temporal CLI binary (see resolveTemporalCli). */
  executable: string;
  /** @default '127.0.0.1' */
  ip?: string;
  port: number;
  uiPort: number;
  /** Persist workflows across restarts in this SQLite file. In memory when omitted. */
  dbFile?: string;
  /** Server output goes here. */
  logFile: string;
  /** @default 30_000 */
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` (the real server, with its Web UI) with our search attributes registered, and
 * waits until both the frontend and the UI accept connections.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--log-format',
    'json',
    '--log-level',
    'warn',
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
    ]),
  ];
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    const timeout = options.startTimeoutMs ?? 30_000;
    await waitForPort(options.port, ip, timeout, alive);
    await waitForPort(options.uiPort, ip, timeout, alive);
  } catch (err) {
    await stopProcess(child);
    throw new Error(`the Temporal dev server did not start (${(err as Error).message}); see ${options.logFile}`);
  }
  return {
    address: `${ip}:${options.port}`,
    uiUrl: `http://${ip}:${options.uiPort}`,
    stop: async () => {
      await stopProcess(child);
      log.end();
    },
  };
}

/** SIGTERM, then SIGKILL if the process is still there after graceMs. */
export function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
