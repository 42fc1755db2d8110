import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createActivities, createWorkerResources } from '../../src/activities';
import { parseConfig } from '../../src/config/load';
import { createLogger } from '../../src/logging/logger';
import { CONFIG_ERROR, LEGACY_CONFIG_ERRORS } from '../../src/sync/failure-types';
import { egressManagerWorkflow } from '../../src/workflows';
import { connectToTestTemporal, uniqueTaskQueue, type TemporalTestConnections } from '../harness/temporal';

/**
 * A settings activity that answers with a config-error type of an earlier version (a history recorded then, or an
 * activity finished by a worker not yet rolled) is still read as a configuration problem, not as a crash of the flow.
 */
describe('config-error failure types of earlier versions, on the real Temporal dev server', () => {
  let temporal: TemporalTestConnections;

  beforeAll(async () => {
    temporal = await connectToTestTemporal();
  });
  afterAll(async () => {
    await temporal.close();
  });

  it.each([CONFIG_ERROR, ...LEGACY_CONFIG_ERRORS])(
    'a preflight failing with %s refuses to start egress',
    async (type) => {
      const parsed = parseConfig(readFileSync(path.join(__dirname, '..', '..', 'config', 'example.yaml'), 'utf8'));
      if (!parsed.ok) throw new Error('example.yaml must be valid');
      const resources = createWorkerResources(
        parsed.config,
        { dynamicsClientSecret: 'x', campaignClientSecret: 'y' },
        createLogger({ level: 'warn' })
      );
      const taskQueue = uniqueTaskQueue('legacy-config-error');
      const worker = await Worker.create({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace,
        taskQueue,
        workflowsPath: require.resolve('../../src/workflows'),
        activities: {
          ...createActivities({ resources }),
          preflightEgress: () =>
            Promise.reject(ApplicationFailure.nonRetryable('D365 has no table acs_emailsend', type)),
        },
      });
      const outcome = await worker.runUntil(
        temporal.client.workflow
          .execute(egressManagerWorkflow, { taskQueue, workflowId: `test:${taskQueue}`, args: [{}] })
          .then(
            () => undefined,
            (err: unknown) => err as Error & { cause?: Error & { type?: string } }
          )
      );
      expect(outcome?.cause?.type).toBe(CONFIG_ERROR);
      expect(outcome?.cause?.message).toBe('egress cannot start:\n  configuration: D365 has no table acs_emailsend');
    }
  );
});
