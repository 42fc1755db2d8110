/**
 * `npm run bench -- [benchmark ...] [--rows n[,n]] [--events n] [--changes n] [--contacts n] [--no-baseline]`: runs the named
 * benchmarks (all five by default), prints their figures and appends them to bench/results/<date>.md. See bench/README.md.
 */
import path from 'node:path';
import { egressBenchmark } from './egress';
import { egressCeilingBenchmark } from './egress-ceiling';
import { egressScaleOutBenchmark } from './egress-scaleout';
import { incrementalBenchmark } from './incremental';
import { initialTransferBenchmark } from './initial-transfer';
import { Results } from './lib/results';
import { optOutCeilingBenchmark } from './optout-ceiling';
import { childNodeOptions, PROJECT_ROOT } from './lib/stack';
import { serviceProtectionBenchmark } from './service-protection';
import { temporalOverheadBenchmark } from './temporal-overhead';
import { verifyBenchmark } from './verify';
import { workerMemoryBenchmark } from './worker-memory';

interface Options {
  benchmarks: string[];
  rows?: number[];
  events?: number;
  changes?: number;
  contacts?: number;
  baseline: boolean;
  output: string;
}

const BENCHMARKS = ['initial-transfer', 'incremental', 'service-protection', 'egress', 'temporal-overhead'];
/** Run only when named. */
const EXTRA_BENCHMARKS = ['worker-memory', 'verify', 'egress-ceiling', 'egress-scaleout', 'optout-ceiling'];

/** Today's raw runs: `bench/results/<yyyy-mm-dd>.md` (BENCHMARKS.md keeps only the summary and decisions). */
function defaultOutput(): string {
  return path.join(PROJECT_ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}.md`);
}

function parseArgs(argv: string[]): Options {
  const options: Options = { benchmarks: [], baseline: true, output: defaultOutput() };
  const count = (text: string | undefined, flag: string): number => {
    const value = Number((text ?? '').replace(/_/g, ''));
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} needs a positive whole number`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--rows') options.rows = (argv[++i] ?? '').split(',').map((n) => count(n, '--rows'));
    else if (arg === '--events') options.events = count(argv[++i], '--events');
    else if (arg === '--changes') options.changes = count(argv[++i], '--changes');
    else if (arg === '--contacts') options.contacts = count(argv[++i], '--contacts');
    else if (arg === '--no-baseline') options.baseline = false;
    else if (arg === '--cost') process.env.BENCH_COST = argv[++i] ?? '';
    else if (arg === '--output') options.output = path.resolve(argv[++i] ?? defaultOutput());
    else if (BENCHMARKS.includes(arg) || EXTRA_BENCHMARKS.includes(arg)) options.benchmarks.push(arg);
    else {
      const known = [...BENCHMARKS, ...EXTRA_BENCHMARKS].join(', ');
      throw new Error(`unknown argument ${arg}; benchmarks: ${known} (see bench/README.md)`);
    }
  }
  if (options.benchmarks.length === 0) options.benchmarks = [...BENCHMARKS];
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  for (const benchmark of options.benchmarks) {
    const results = new Results(benchmark, command);
    const childOptions = childNodeOptions();
    const source =
      process.env.BENCH_CHILD_NODE_OPTIONS === undefined ? 'as the Dockerfile ships it' : 'BENCH_CHILD_NODE_OPTIONS';
    results.note(
      childOptions
        ? `worker (and baseline) processes ran with NODE_OPTIONS="${childOptions}" (${source})`
        : "worker (and baseline) processes ran with Node's default heap (BENCH_CHILD_NODE_OPTIONS empty)"
    );
    try {
      if (benchmark === 'initial-transfer')
        await initialTransferBenchmark(results, options.rows ?? [1_000_000, 5_000_000], options.baseline);
      else if (benchmark === 'incremental') await incrementalBenchmark(results, options.changes ?? 50_000);
      else if (benchmark === 'service-protection') await serviceProtectionBenchmark(results, options.events ?? 20_000);
      else if (benchmark === 'egress') await egressBenchmark(results, options.events ?? 200_000);
      else if (benchmark === 'worker-memory') await workerMemoryBenchmark(results);
      else if (benchmark === 'egress-ceiling')
        await egressCeilingBenchmark(results, options.events ?? 200_000, options.baseline);
      else if (benchmark === 'egress-scaleout') await egressScaleOutBenchmark(results, options.events ?? 60_000);
      else if (benchmark === 'optout-ceiling')
        await optOutCeilingBenchmark(results, options.contacts ?? 100_000, options.baseline);
      else if (benchmark === 'verify') await verifyBenchmark(results, options.rows ?? [1_000_000]);
      else await temporalOverheadBenchmark(results, options.rows ?? [200_000, 600_000]);
    } catch (error) {
      results.note(`FAILED: ${(error as Error).message.split('\n')[0]}`);
      process.exitCode = 1;
    }
    results.append(options.output);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
