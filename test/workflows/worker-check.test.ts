import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createActivities, createWorkerResources } from '../../src/activities';
import { createLogger } from '../../src/logging/logger';
import { parseConfig } from '../../src/config/load';
import { version } from '../../src/version';
import { workerCheckWorkflow } from '../../src/workflows';
import { connectToTestTemporal, uniqueTaskQueue, type TemporalTestConnections } from '../harness/temporal';

describe('a workflow with an activity on the real Temporal dev server', () => {
  let temporal: TemporalTestConnections;

  beforeAll(async () => {
    temporal = await connectToTestTemporal();
  });
  afterAll(async () => {
    await temporal.close();
  });

  it('runs workerCheckWorkflow through the worker and returns what the activity saw', async () => {
    const result = parseConfig(readFileSync(path.join(__dirname, '..', '..', 'config', 'example.yaml'), 'utf8'));
    if (!result.ok) throw new Error('example.yaml must be valid');
    const taskQueue = uniqueTaskQueue('worker-check');
    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('../../src/workflows'),
      activities: createActivities({
        resources: createWorkerResources(
          result.config,
          { dynamicsClientSecret: 'x', campaignClientSecret: 'y' },
          createLogger({ level: 'warn' })
        ),
      }),
    });
    const description = await worker.runUntil(
      temporal.client.workflow.execute(workerCheckWorkflow, { taskQueue, workflowId: `test:worker-check:${taskQueue}` })
    );
    expect(description).toEqual({
      version,
      taskQueue,
      ingressMappings: ['contacts', 'subscriptions'],
      egress: true,
      optOutMode: 'bidirectional',
    });
    const history = await temporal.client.workflow.getHandle(`test:worker-check:${taskQueue}`).fetchHistory();
    const activityTypes = (history.events ?? [])
      .map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    expect(activityTypes).toEqual(['describeWorker']);
  });
});
