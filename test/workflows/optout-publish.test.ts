import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { optOutManagerWorkflow } from '../../src/workflows';
import { optOutStatusQuery } from '../../src/workflows/optout/messages';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { untilQuery } from '../harness/polling';

/** With `reports.sftpFolder`, an opt-out pass publishes its audit to the Campaign SFTP (real Temporal and sshd). */
describe('opt-out: the pass audit is published to reports.sftpFolder', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof optOutManagerWorkflow>;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 3 },
      flows: {
        optOut: {
          mode: 'd365-to-campaign',
          every: '1h',
          pairs: [{ campaign: 'denyListEmail', dynamics: 'donotbulkemail' }],
        },
      },
      reportsSftpFolder: 'reports',
    });
    const profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    const ids: string[] = [];
    for await (const page of stack.resources.dynamics().readPages('contacts', { select: ['contactid'] })) {
      ids.push(...page.rows.map((row) => String(row.contactid)));
    }
    for (const id of ids) await profiles.create({ externalId: id });
    await stack.resources.dynamics().update('contacts', ids[0]!, { donotbulkemail: true });
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('uploads the audit of the pass, as the worker wrote it', async () => {
    manager = await stack.temporal.client.workflow.start(optOutManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'optout-publish',
      args: [{}],
    });
    const status = await untilQuery(manager, optOutStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    expect(status.lastError).toBeUndefined();
    const local = await readdir(path.join(stack.dir, 'reports', 'optout'));
    expect(local).toHaveLength(1);
    const published = await readdir(path.join(stack.sftp.root, 'd365_loads', 'reports'));
    expect(published).toEqual([`optout_${local[0]!}`]);
    const text = await readFile(path.join(stack.sftp.root, 'd365_loads', 'reports', published[0]!), 'utf8');
    expect(text).toBe(await readFile(path.join(stack.dir, 'reports', 'optout', local[0]!), 'utf8'));
    expect(text.split('\n').length).toBeGreaterThan(2);
  });
});
