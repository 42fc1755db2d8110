import { assertBuildIsFresh, runCli } from '../harness/cli';
import { convergenceFlows, runConvergenceScenario } from '../harness/convergence-scenario';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { seedFromEnv } from '../harness/reliability';

const NAME = 'rel-converge';

/**
 * The whole system converges: all flows on from the start, random changes on both sides, worker SIGKILLs, a mapping
 * change with replay and opt-out mode switches, then quiet: the oracle finds no drift, and `acs-d365 verify` exits 0. A failure prints its seed;
 * `CONVERGENCE_SEED=<n>` repeats the same changes, kills and configuration changes (the flows' timing still varies).
 * The large size: `npm run soak -- --convergence` (bench/README.md).
 */
describe('whole-system convergence', () => {
  let stack: FlowStack;
  let seed: number;

  beforeAll(async () => {
    assertBuildIsFresh();
    seed = seedFromEnv('CONVERGENCE_SEED', 'convergence');
    stack = await startFlowStack({
      dynamics: { seedContacts: 300, faults: { latencyMs: 2 } },
      campaign: { signalCooldownMs: 0, exports: { seed } },
      pageSize: 50,
      flows: convergenceFlows(NAME, { every: '2s', fileThreshold: 100, chunkRows: 100 }),
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('agrees on every record once quiet', async () => {
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
    const { report } = await runConvergenceScenario(
      {
        client: stack.temporal.client,
        taskQueue: stack.taskQueue,
        resources: stack.resources,
        campaign: stack.campaign,
        configFile: stack.configFile,
        startWorker: () => Promise.resolve(void stack.startWorkerProcess()),
        killWorker: () => stack.killWorkerProcesses(),
      },
      {
        name: NAME,
        seed,
        steps: 20,
        kills: 3,
        editsPerStep: 6,
        optOutChangesPerStep: 4,
        eventsPerStep: 60,
        maxPauseMs: 1_000,
        roundTimeoutMs: 60_000,
        log: (line) => process.stdout.write(`convergence (seed ${seed}) ${elapsed()}: ${line}\n`),
      }
    );
    if (report.drift > 0) process.stdout.write(`convergence drift; repeat with CONVERGENCE_SEED=${seed}\n`);
    expect(report).toEqual({ drift: 0, byCategory: {} });
    // The product's own check agrees: `acs-d365 verify` over every scope exits 0.
    const verify = await runCli(['verify', '--config', stack.configFile], stack.secretEnv);
    if (verify.code !== 0) process.stdout.write(`verify: ${verify.stdout}${verify.stderr}\n`);
    expect(verify.code).toBe(0);
  }, 180_000);
});
