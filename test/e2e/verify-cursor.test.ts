import { randomUUID } from 'node:crypto';
import { type WorkflowHandle } from '@temporalio/client';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { verifyReportSchema } from '../../src/cli/report-schemas';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { assertBuildIsFresh, runCli } from '../harness/cli';
import { untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';

const MAPPING = 'verify-cursor';
const SCOPE = `ingress:${MAPPING}`;

/**
 * While the flows run, a contact deleted in D365 since the last pass still has its profile: that is the flow's
 * pending work, not drift (D365 keeps no time for a deleted row, so the quiet period cannot tell). Verify reads the
 * flow's stored delta link from its manager and counts what D365 changed after it as pending; a profile that no D365
 * change explains stays drift.
 */
describe('acs-d365 verify with the flows running', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof ingressManagerWorkflow>;

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 20 },
      flows: { ingress: [contactsToProfiles(MAPPING, { deletes: true })] },
    });
    await stack.startWorker();
    manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId(MAPPING),
      args: [{ mapping: MAPPING }],
    });
    await untilStatus(manager, (s) => s.initialTransferDone && s.phase === 'waiting');
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('counts a delete the flow has not applied yet as pending, and an unexplained profile as an orphan', async () => {
    const contacts = stack.resources.dynamics().readPages('contacts', { select: ['contactid'] });
    const first = await contacts.next();
    await contacts.return(undefined);
    const deleted = String(first.done ? '' : first.value.rows[0]?.contactid);
    await stack.resources.dynamics().delete('contacts', deleted);
    const stranger = randomUUID();
    const profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    await profiles.create({ externalId: stranger, lastName: 'Nobody' });

    const result = await runCli(
      ['verify', '--quiet', '0s', '--only', SCOPE, '--json', '--config', stack.configFile],
      stack.secretEnv
    );
    const report = verifyReportSchema.parse(JSON.parse(result.stdout));
    const ingress = report.verify.scopes.find((s) => s.scope === SCOPE);
    expect(result.code).toBe(3);
    expect(ingress?.keys).toEqual([{ key: stranger, category: 'orphan' }]);
    expect(ingress?.counts.pending).toBe(1);
  });
});
