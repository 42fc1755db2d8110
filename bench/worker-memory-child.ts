/**
 * Child process of bench/worker-memory.ts: starts a Temporal worker for the product's workflows, either bundling them
 * at start (`workflowsPath`) or from a bundle built beforehand (`workflowBundle`), and prints
 * its RSS once it polls. `bundle <file>` only builds the bundle into the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

/** The product's compiled workflows (dist/workflows), which the real worker bundles. */
const WORKFLOWS = path.resolve(__dirname, '../../workflows');

function memory(): { rssMiB: number; peakMiB: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

async function main(): Promise<void> {
  const [mode, argument] = process.argv.slice(2);
  if (mode === 'bundle' && argument) {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve(WORKFLOWS), logger: silent() });
    writeFileSync(argument, code);
    return;
  }
  if ((mode !== 'path' && mode !== 'prebuilt') || !argument) throw new Error('usage: path|prebuilt <address> [bundle]');
  const connection = await NativeConnection.connect({ address: argument });
  const options: WorkerOptions = {
    connection,
    taskQueue: 'acs-d365-bench-memory',
    ...(mode === 'path'
      ? { workflowsPath: require.resolve(WORKFLOWS) }
      : { workflowBundle: { codePath: process.argv[4] as string } }),
  };
  const worker = await Worker.create(options);
  const running = worker.run();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  process.stdout.write(`${JSON.stringify(memory())}\n`);
  worker.shutdown();
  await running;
  await connection.close();
}

/** The bundler's logger, quiet: the figures are the only output. */
function silent() {
  const nothing = (): void => undefined;
  return { trace: nothing, debug: nothing, info: nothing, warn: nothing, error: nothing, log: nothing };
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
