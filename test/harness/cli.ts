import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(PROJECT_ROOT, 'bin', 'acs-d365.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Fails early when dist/ (the compiled CLI, and the workflow bundle the worker runs) is older than src/: end-to-end
 * tests run the built CLI, as users do.
 */
export function assertBuildIsFresh(): void {
  const src = (dir: string) => newestMtime(path.join(PROJECT_ROOT, 'src', dir));
  // The bundle holds the workflows and the pure code they import.
  const sources = { 'cli/main.js': src('.'), 'workflows.bundle.js': Math.max(src('workflows'), src('sync')) };
  for (const [built, newest] of Object.entries(sources)) {
    let builtAt: number;
    try {
      builtAt = statSync(path.join(PROJECT_ROOT, 'dist', built)).mtimeMs;
    } catch {
      throw new Error(`dist/${built} is missing: run \`npm run build\` (npm test does it for you).`);
    }
    if (newest > builtAt) {
      throw new Error(`dist/${built} is older than src/: run \`npm run build\` (npm test does it for you).`);
    }
  }
}

function newestMtime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const full = path.join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }, 0);
}

/** Starts `acs-d365 <args>` as a child process. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = PROJECT_ROOT
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, LOG_FORMAT: 'json', ...env } });
}

/** Runs `acs-d365 <args>` to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = PROJECT_ROOT): Promise<CliResult> {
  const child = startCli(args, env, cwd);
  return collect(child);
}

/** Waits for a started CLI process to exit and returns what it printed. */
export function collect(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Resolves with everything printed so far once `pattern` appears on stdout; rejects on exit or timeout. */
export function waitForOutput(
  child: ChildProcessWithoutNullStreams,
  pattern: RegExp,
  timeoutMs = 60_000
): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let errors = '';
    const timer = setTimeout(
      () => done(new Error(`timed out waiting for ${pattern}; stdout: ${seen}; stderr: ${errors}`)),
      timeoutMs
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) done();
    };
    const onErr = (chunk: Buffer) => (errors += chunk.toString());
    const onExit = (code: number | null) =>
      done(new Error(`exited with ${code} before ${pattern}; stdout: ${seen}; stderr: ${errors}`));
    function done(error?: Error): void {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onErr);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(seen);
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onErr);
    child.on('exit', onExit);
  });
}
