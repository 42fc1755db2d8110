import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery } from '../../src/workflows/ingress/messages';
import { assertBuildIsFresh, runCli } from '../harness/cli';
import { untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { eventually } from '../harness/polling';

/** start, pause, resume, sync-now, replay and stop, as an operator types them, against a running stack. */
describe('steering flows from the CLI', () => {
  let stack: FlowStack;
  const flow = ingressManagerId('cli-contacts');

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 5 },
      flows: { ingress: [contactsToProfiles('cli-contacts')] },
    });
    await stack.startWorker();
  });
  afterAll(async () => {
    await stack.temporal.client.workflow
      .getHandle(flow)
      .terminate('test over')
      .catch(() => undefined);
    await stack?.close();
  });

  const cli = (...args: string[]) => runCli([...args, '--config', stack.configFile], stack.secretEnv);

  it('says which flow is not running, and how to start it', async () => {
    const result = await cli('pause', flow);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${flow}:`);
    expect(result.stderr).toContain(`Start it with: acs-d365 start ${flow}`);
  });

  it('refuses a flow the configuration does not have', async () => {
    const result = await cli('sync-now', 'ingress:nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`unknown flow ingress:nope; the configuration has: ${flow}`);
  });

  it('starts, pauses, resumes, syncs now, replays and stops a flow', async () => {
    expect((await cli('start', 'all')).stdout).toBe(`${flow}: started\n`);
    expect((await cli('start', flow)).stdout).toBe(`${flow}: already running\n`);
    const manager = stack.temporal.client.workflow.getHandle(flow);
    await untilStatus(manager, (s) => s.initialTransferDone && s.phase === 'waiting');

    expect((await cli('pause', 'all')).stdout).toBe(`${flow}: paused\n`);
    await untilStatus(manager, (s) => s.phase === 'paused');
    expect((await cli('resume', flow)).stdout).toBe(`${flow}: resumed\n`);
    await untilStatus(manager, (s) => s.phase === 'waiting');

    expect((await cli('sync-now', flow)).stdout).toBe(`${flow}: asked to sync now\n`);
    await untilStatus(manager, (s) => s.passes === 1);

    const json = await cli('status', '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { flows: { workflowId: string; detail?: Record<string, unknown> }[] };
    expect(report.flows.find((f) => f.workflowId === flow)?.detail).toMatchObject({
      phase: 'waiting',
      passes: 1,
      lastPass: { counts: { rejected: 0 } },
    });
    expect((await cli('status')).stdout).toMatch(
      new RegExp(
        `${flow} +RUNNING +phase waiting · 1 passes · cursor moved .* ago · next run in .*\\n +last pass 1 .*: read \\d+`
      )
    );

    expect((await cli('replay', 'cli-contacts')).stdout).toBe(`${flow}: replaying\n`);
    await expect(
      eventually(() => stack.temporal.client.workflow.getHandle(`${flow}:initial:2`).result())
    ).resolves.toMatchObject({
      path: 'api',
    });

    expect((await cli('stop', flow)).stdout).toBe(`${flow}: stopping\n`);
    await eventually(async () => {
      const { status } = await manager.describe();
      if (status.name !== 'CANCELLED') throw new Error(status.name);
    });
    await expect(manager.query(ingressStatusQuery)).resolves.toBeDefined(); // a closed workflow still answers queries
  });
});
