import { type WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { collectStatus } from '../../src/cli/commands/status';
import { renderFlowStatus } from '../../src/cli/render/flow-status';
import { statusReportSchema } from '../../src/cli/report-schemas';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { configuredFlows, startFlows } from '../../src/temporal/start-flows';
import { type verifyManagerWorkflow } from '../../src/workflows';
import { type VerifyManagerStatus, verifyStatusQuery } from '../../src/workflows/verify/manager';
import { syncNowSignal } from '../../src/workflows/steering';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { runPass } from '../harness/ingress-passes';
import { contactsToProfiles } from '../harness/mappings';

const MAPPING = 'checked-contacts';

/** `verify: { every }`: the verify manager started by `start all`, its verifies as children, its result in `status`. */
describe('the verify manager on real Temporal', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof verifyManagerWorkflow>;

  const until = async (done: (status: VerifyManagerStatus) => boolean): Promise<VerifyManagerStatus> => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const status = await manager.query(verifyStatusQuery).catch(() => undefined);
      if (status && done(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 10 },
      flows: { ingress: [contactsToProfiles(MAPPING)], verify: { every: '1h' } },
    });
    await runPass(createActivities({ resources: stack.resources }), MAPPING, 'full', 'initial');
    await stack.startWorker();
  });
  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('is a configured flow, waits its interval, verifies on "sync now", and shows the drift per scope in status', async () => {
    expect(configuredFlows(stack.config)).toEqual([`ingress:${MAPPING}`, 'verify']);
    await startFlows(stack.temporal.client, stack.config, stack.taskQueue, ['verify']);
    manager = stack.temporal.client.workflow.getHandle('verify');
    const waiting = await until((s) => s.phase === 'waiting' && s.nextRunAt !== undefined);
    expect(waiting.passes).toBe(0); // the first verify waits for the interval: the flows have just started
    expect(Date.parse(waiting.nextRunAt ?? '') - Date.now()).toBeGreaterThan(50 * 60_000);

    await manager.signal(syncNowSignal);
    const first = await until((s) => s.passes === 1);
    expect(first.lastPass).toMatchObject({ pass: 1, outcome: 'agree', counts: { [`ingress:${MAPPING}`]: 0 } });
    expect(first.lastError).toBeUndefined();
    const child = await stack.temporal.client.workflow.getHandle(`verify:${first.lastPass?.verifyId}`).describe();
    expect(child.status.name).toBe('COMPLETED');

    const profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    const [profile] = await profiles.page({ lineCount: 1 }).then((page) => page.content);
    await profiles.patch(profile?.PKey ?? '', { lastName: 'Changed behind the back' });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // verify ids are per second
    await manager.signal(syncNowSignal);
    const second = await until((s) => s.passes === 2);
    expect(second.lastPass).toMatchObject({ pass: 2, outcome: 'drift', counts: { [`ingress:${MAPPING}`]: 1 } });

    const report = statusReportSchema.parse(
      await collectStatus(
        stack.temporal.client,
        { address: stack.temporal.address, namespace: stack.temporal.namespace, taskQueue: stack.taskQueue },
        ['verify']
      )
    );
    const flow = report.flows.find((f) => f.workflowId === 'verify');
    expect(flow).toMatchObject({ flow: 'verify', status: 'RUNNING' });
    const lines = renderFlowStatus(flow as Parameters<typeof renderFlowStatus>[0], Date.now());
    expect(lines[0]).toMatch(/^verify +RUNNING +phase waiting · 2 passes · next run in/);
    expect(lines[1]).toMatch(new RegExp(`last pass 2 \\(.*\\): ingress:${MAPPING} 1$`));
  });
});
