import { statusReportSchema, runsReportSchema } from '../../src/cli/report-schemas';
import { ingressStatusQuery } from '../../src/workflows/ingress/messages';
import { assertBuildIsFresh, runCli } from '../harness/cli';
import { untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';

/**
 * Two deployments (`temporal.deployment: eu` and `us`) with the same flows on one Temporal namespace: their workflow
 * ids differ by prefix, so both run side by side, and every command sees and steers its own deployment's flows only.
 */
describe('two deployments sharing one namespace', () => {
  const stacks: Record<'eu' | 'us', FlowStack> = {} as never;
  const cli = (deployment: 'eu' | 'us', ...args: string[]) =>
    runCli([...args, '--config', stacks[deployment].configFile], stacks[deployment].secretEnv);
  const flows = { ingress: [contactsToProfiles('contacts')], egress: { every: '1h' } };

  beforeAll(async () => {
    assertBuildIsFresh();
    stacks.eu = await startFlowStack({ deployment: 'eu', dynamics: { seedContacts: 3 }, flows });
    stacks.us = await startFlowStack({ deployment: 'us', dynamics: { seedContacts: 4 }, flows });
    await stacks.eu.startWorker();
    await stacks.us.startWorker();
  });
  afterAll(async () => {
    for (const [deployment, stack] of Object.entries(stacks)) {
      for (const flow of ['ingress:contacts', 'egress']) {
        await stack?.temporal.client.workflow
          .getHandle(`${deployment}/${flow}`)
          .terminate('test over')
          .catch(() => undefined);
      }
      await stack?.close();
    }
  });

  it('starts, shows, steers and lists each deployment under its own ids', async () => {
    expect((await cli('eu', 'start', 'all')).stdout).toBe('eu/ingress:contacts: started\neu/egress: started\n');
    expect((await cli('us', 'start', 'all')).stdout).toBe('us/ingress:contacts: started\nus/egress: started\n');
    const euIngress = stacks.eu.temporal.client.workflow.getHandle('eu/ingress:contacts');
    const usIngress = stacks.us.temporal.client.workflow.getHandle('us/ingress:contacts');
    await untilStatus(euIngress, (s) => s.initialTransferDone && s.phase === 'waiting');
    await untilStatus(usIngress, (s) => s.initialTransferDone && s.phase === 'waiting');

    for (const deployment of ['eu', 'us'] as const) {
      const status = await cli(deployment, 'status', '--json');
      expect(status.code).toBe(0);
      const report = statusReportSchema.parse(JSON.parse(status.stdout));
      expect(report.flows.map((flow) => [flow.workflowId, flow.status, flow.flow, flow.mapping])).toEqual([
        [`${deployment}/egress`, 'RUNNING', 'egress', null],
        [`${deployment}/ingress:contacts`, 'RUNNING', 'ingress', 'contacts'],
      ]);
    }

    // Steered by flow name, or by the id status printed; the other deployment's flow is left alone.
    expect((await cli('eu', 'sync-now', 'ingress:contacts')).stdout).toBe('eu/ingress:contacts: asked to sync now\n');
    await untilStatus(euIngress, (s) => s.passes === 1);
    expect((await cli('us', 'pause', 'us/egress')).stdout).toBe('us/egress: paused\n');
    expect((await usIngress.query(ingressStatusQuery)).passes).toBe(0);

    const runs = await cli('eu', 'runs', 'ingress:contacts', '--json');
    expect(runsReportSchema.parse(JSON.parse(runs.stdout)).runs.map((run) => run.workflowId)).toEqual([
      'eu/ingress:contacts:pass:1',
      'eu/ingress:contacts:initial:1',
    ]);
    expect((await cli('us', 'retry', 'ingress:contacts')).stderr).toContain(
      'us/ingress:contacts: has no failure to retry'
    );
  });
});
