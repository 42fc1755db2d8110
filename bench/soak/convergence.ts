import { execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { promisify } from 'node:util';
import { createWorkerResources } from '../../src/activities';
import { createLogger } from '../../src/logging/logger';
import { convergenceFlows, runConvergenceScenario } from '../../test/harness/convergence-scenario';
import { formatNumber, goal, Results } from '../lib/results';
import { PROJECT_ROOT, startBenchStack } from '../lib/stack';

const NAME = 'soak-converge';

/** The large convergence run; every option has a default (`npm run soak -- --convergence`). */
interface ConvergenceOptions {
  contacts: number;
  kills: number;
  steps: number;
  edits: number;
  events: number;
  optOutChanges: number;
  seed: number;
}

const USAGE =
  'usage: npm run soak -- --convergence [--contacts 100000] [--kills 10] [--steps 60] [--edits 50] [--events 2000]\n' +
  '                                     [--optout-changes 50] [--seed <integer>] [--cost production|none]\n' +
  '  --contacts        D365 contacts seeded before the flows start (the initial transfer goes by file)\n' +
  '  --kills           worker SIGKILLs at random steps (besides the restarts of the configuration changes)\n' +
  '  --steps           steps of random changes (each followed by a pause of up to 3 s)\n' +
  '  --edits           D365 contact edits per step\n' +
  '  --events          email events per event file (about every other step)\n' +
  '  --optout-changes  Campaign opt-out changes per opt-out file (about every other step)\n' +
  '  --seed            repeat the same changes, kills and configuration changes (printed at the start)\n' +
  '  --cost            the simulators cost what the real services cost (default), or answer at once (docs/cost-model.md)';

const FLAGS: Record<string, keyof ConvergenceOptions> = {
  '--contacts': 'contacts',
  '--kills': 'kills',
  '--steps': 'steps',
  '--edits': 'edits',
  '--events': 'events',
  '--optout-changes': 'optOutChanges',
  '--seed': 'seed',
};

function parseOptions(argv: readonly string[]): ConvergenceOptions {
  const options: ConvergenceOptions = {
    contacts: 100_000,
    kills: 10,
    steps: 60,
    edits: 50,
    events: 2_000,
    optOutChanges: 50,
    seed: Math.floor(Math.random() * 2 ** 31),
  };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--cost') {
      process.env.BENCH_COST = argv[i + 1] ?? '';
      continue;
    }
    const key = FLAGS[argv[i] ?? ''];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isInteger(value) || value < 0)
      throw new Error(`${argv[i]} ${argv[i + 1]}: not an option\n${USAGE}`);
    options[key] = value;
  }
  return options;
}

/**
 * The whole-system convergence run at scale (test/reliability/convergence.test.ts is the small one): the sandbox stack
 * with the real worker process, all flows on from the start, random changes, kills and configuration changes, quiet,
 * then the oracle. Exits 0 when both systems agree, 3 on drift (as `acs-d365 verify`), 1 when the run itself failed.
 */
async function main(): Promise<void> {
  process.env.BENCH_COST ??= 'production';
  const options = parseOptions(process.argv.slice(2));
  console.log(`convergence: ${JSON.stringify(options)} (repeat with --seed ${options.seed})`);
  const stack = await startBenchStack({
    dynamics: { seedContacts: options.contacts },
    campaign: { signalCooldownMs: 0, exports: { seed: options.seed } },
    flows: convergenceFlows(NAME, {
      every: '5s',
      fileThreshold: Math.floor(options.contacts / 2),
      chunkRows: Math.max(1, Math.floor(options.contacts / 4)),
    }),
  });
  const resources = createWorkerResources(
    stack.config,
    {
      dynamicsClientSecret: stack.dynamics.clientSecret,
      campaignClientSecret: stack.campaign.clientSecret,
      sftpPrivateKey: stack.sftp.privateKey,
    },
    createLogger({ level: 'silent', format: 'json' })
  );
  let worker: ChildProcessWithoutNullStreams | undefined;
  const started = Date.now();
  try {
    const { report, stats, changesMs, quietMs } = await runConvergenceScenario(
      {
        client: stack.temporal!.client,
        taskQueue: stack.temporal!.taskQueue,
        resources,
        campaign: stack.campaign,
        configFile: stack.configFile,
        async startWorker() {
          worker = await stack.startWorker();
        },
        async killWorker() {
          if (!worker || worker.exitCode !== null) return;
          const exited = once(worker, 'exit');
          worker.kill('SIGKILL');
          await exited;
        },
      },
      {
        name: NAME,
        seed: options.seed,
        steps: options.steps,
        kills: options.kills,
        editsPerStep: options.edits,
        optOutChangesPerStep: options.optOutChanges,
        eventsPerStep: options.events,
        maxPauseMs: 3_000,
        roundTimeoutMs: 3_600_000,
        log: (line) => console.log(`${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s  ${line}`),
      }
    );
    for (const [category, keys] of Object.entries(report.byCategory)) {
      console.log(`${category}: ${keys.length}, e.g. ${keys.slice(0, 5).join('; ')}`);
    }
    console.log(
      report.drift === 0 ? 'converged: no drift' : `DRIFT ${report.drift}; repeat with --seed ${options.seed}`
    );
    const verify = await productVerify(stack.configFile, stack.secretEnv);
    console.log(`acs-d365 verify: exit ${verify.status}\n${verify.stdout}`);
    const results = new Results('soak-convergence', `npm run soak -- --convergence ${process.argv.slice(2).join(' ')}`);
    results.add('contacts seeded', formatNumber(options.contacts));
    results.add('changes', JSON.stringify(stats));
    results.add('change phase', `${formatNumber(changesMs / 1000)} s`);
    results.add('quiet until both rounds of passes ended', `${formatNumber(quietMs / 1000)} s`);
    results.add('drift (oracle)', report.drift, goal('0', report.drift === 0));
    results.add('acs-d365 verify exit code', String(verify.status), goal('0', verify.status === 0));
    results.note(`seed ${options.seed}; cost model ${process.env.BENCH_COST ?? 'none'}`);
    results.append(path.join(PROJECT_ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}.md`));
    process.exitCode = report.drift === 0 && verify.status === 0 ? 0 : 3;
  } finally {
    worker?.kill('SIGKILL');
    await resources.close();
    await stack.close();
  }
}

/**
 * `acs-d365 verify` over every scope, as an operator runs it: the product's own check of the same systems. Run
 * asynchronously: the simulators it reads live in this process.
 */
async function productVerify(
  configFile: string,
  secretEnv: Record<string, string>
): Promise<{ status: number | null; stdout: string }> {
  const args = [path.join(PROJECT_ROOT, 'bin', 'acs-d365.js'), 'verify', '--config', configFile];
  const env = { ...process.env, ...secretEnv };
  try {
    const { stdout, stderr } = await promisify(execFile)('node', args, { env, maxBuffer: 64 * 1024 * 1024 });
    return { status: 0, stdout: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    const status = typeof failed.code === 'number' ? failed.code : null;
    return { status, stdout: `${failed.stdout ?? ''}${failed.stderr ?? String(error)}` };
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
