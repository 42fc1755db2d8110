import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startDevServer } from '../src/sandbox/dev-server';
import { freePort } from '../src/sandbox/ports';
import { formatNumber, type Results } from './lib/results';
import { temporalCli } from './lib/stack';

const run = promisify(execFile);

/**
 * Extra benchmark (not in the default five): the RSS of an idle worker process when it bundles the workflows at start
 * (`workflowsPath`) and when it loads a bundle built beforehand (`workflowBundle`). It tells how much of the worker's
 * memory budget the start-up takes before any data moves.
 */
export async function workerMemoryBenchmark(results: Results, rounds = 2): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'acs-bench-memory-'));
  const server = await startDevServer({
    executable: temporalCli(),
    port: await freePort(),
    uiPort: await freePort(),
    logFile: path.join(dir, 'temporal.log'),
  });
  try {
    const child = path.join(__dirname, 'worker-memory-child.js');
    const bundle = path.join(dir, 'workflow-bundle.js');
    await run(process.execPath, [child, 'bundle', bundle]);
    for (let round = 1; round <= rounds; round++) {
      for (const mode of ['path', 'prebuilt'] as const) {
        const { stdout } = await run(process.execPath, [child, mode, server.address, bundle]);
        const reading = JSON.parse(stdout.trim()) as { rssMiB: number; peakMiB: number };
        results.add(
          `round ${round}: idle worker, ${mode === 'path' ? 'workflows bundled at start' : 'prebuilt workflow bundle'}`,
          `RSS ${formatNumber(reading.rssMiB, 1)} MiB, peak ${formatNumber(reading.peakMiB, 1)} MiB`
        );
      }
    }
    results.note('Workers without activities, polling for 3 s on a dev server started by the benchmark.');
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
