import path from 'node:path';
import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MAPPING, PROFILE_EXTENSIONS, fifteenFieldMapping } from './lib/mappings';
import { MemorySampler } from './lib/process-memory';
import { formatNumber, goal, type Results } from './lib/results';
import { PROJECT_ROOT, startBenchStack, type BenchStack } from './lib/stack';

/** A child process's exit code, what it printed, how long it ran and its peak RSS (kernel VmHWM). */
interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  peakMiB: number;
}

async function runChild(child: ChildProcessWithoutNullStreams): Promise<ChildRun> {
  const started = Date.now();
  const sampler = new MemorySampler(child.pid as number);
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => out.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => err.push(line));
  // The sampler reads VmHWM every 200 ms while the process lives; after its exit, the last reading stands.
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const memory = sampler.stop();
  return {
    code,
    stdout: out.join('\n'),
    stderr: err.join('\n'),
    ms: Date.now() - started,
    peakMiB: Math.max(memory.peakMiB, memory.sampledMaxMiB),
  };
}

/**
 * Benchmark: `acs-d365 verify` of one contact mapping (the 15-field mapping) at N contacts, against one full read of
 * both sides through the same connectors (the yardstick: verify's goal is at most twice that). Campaign is filled by
 * the product's own transfer activities (bench/baseline-transfer.ts), so both systems agree; verify must say so.
 */
export async function verifyBenchmark(results: Results, sizes: number[]): Promise<void> {
  for (const rows of sizes) {
    const label = `${formatNumber(rows)} contacts`;
    const stack = await startBenchStack({
      temporal: false,
      dynamics: { seedContacts: rows },
      campaign: { profile: PROFILE_EXTENSIONS },
      flows: {
        ingress: [
          fifteenFieldMapping({
            initialTransfer: {
              fileThreshold: Math.max(1, Math.min(500_000, rows - 1)),
              chunkRows: Math.min(100_000, Math.max(1, Math.min(500_000, rows - 1))),
              importWorkflow: 'WKF_IMPORT_PROFILE',
            },
          }),
        ],
      },
    });
    try {
      await fill(stack);
      results.add(`${label}: profiles in Campaign (filled by the transfer)`, formatNumber(profiles(stack)));
      const read = await runChild(
        stack.spawnNode(path.join(__dirname, 'verify-read-child.js'), [stack.configFile, MAPPING])
      );
      if (read.code !== 0) throw new Error(`the read process failed (exit ${read.code}): ${read.stderr.slice(-500)}`);
      const timings = JSON.parse(read.stdout.split('\n').find((l) => l.startsWith('{')) ?? '{}') as {
        d365Ms: number;
        campaignMs: number;
      };
      results.add(
        `${label}: one full read of both sides (yardstick)`,
        `${formatNumber(read.ms / 1000, 1)} s (D365 ${formatNumber(timings.d365Ms / 1000, 1)} s, Campaign ${formatNumber(timings.campaignMs / 1000, 1)} s, process start included)`
      );
      const verify = await runChild(
        stack.spawnNode(path.join(PROJECT_ROOT, 'bin/acs-d365.js'), [
          'verify',
          '--only',
          `ingress:${MAPPING}`,
          '--json',
          '--config',
          stack.configFile,
        ])
      );
      const outcome = (JSON.parse(verify.stdout) as { verify: { outcome: string } }).verify.outcome;
      results.add(
        `${label}: verify exit code and outcome`,
        `${verify.code} ${outcome}`,
        goal('goal 0 agree', verify.code === 0)
      );
      results.add(
        `${label}: verify wall time`,
        `${formatNumber(verify.ms / 1000, 1)} s = ${formatNumber(verify.ms / read.ms, 2)} × the read`,
        goal('goal <= 2 × one full read', verify.ms <= 2 * read.ms)
      );
      results.add(
        `${label}: verify peak RSS (VmHWM)`,
        `${formatNumber(verify.peakMiB, 1)} MiB (the read alone: ${formatNumber(read.peakMiB, 1)} MiB)`,
        goal('goal <= 300 MB', verify.peakMiB * 1.048576 <= 300)
      );
    } finally {
      await stack.close();
    }
  }
}

function profiles(stack: BenchStack): number {
  return stack.campaign.store.table('profile')?.size ?? 0;
}

/** Fills Campaign as the initial transfer does (file path, the product's activities, no Temporal). */
async function fill(stack: BenchStack): Promise<void> {
  const child = stack.spawnNode(path.join(__dirname, 'baseline-transfer.js'), [stack.configFile, MAPPING]);
  const run = await runChild(child);
  if (run.code !== 0) throw new Error(`filling Campaign failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
}
