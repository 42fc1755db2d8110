import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'csv-parse/sync';
import { ingressManagerWorkflow } from '../../src/workflows';
import { ingressManagerId, initialTransferId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, syncNowSignal } from '../../src/workflows/ingress/messages';
import { contactsAndProfiles } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { activeContactIds } from '../harness/reliability';
import { until, untilQuery } from '../harness/polling';
import { CAMPAIGN_IMPORT_TIMEOUT } from '../../src/sync/failure-types';

const MAPPING = 'rel-import-contacts';

/**
 * The file path of the initial transfer against a Campaign import workflow that rejects rows and, first, never
 * finishes: the transfer fails with a clear CampaignImportTimeout, keeps its checkpoint, and once Campaign works
 * again resumes on "sync now"; in the end every D365 row is in Campaign except the rejected ones, and each of those
 * is in the rejects report with its key and reason (and not its value).
 */
describe('Campaign import workflow rejecting rows and never finishing', () => {
  let stack: FlowStack;
  let manager: WorkflowHandle<typeof ingressManagerWorkflow>;
  let badEmailIds: string[];
  let longNameIds: string[];
  let refusedIds: string[];

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 300 },
      campaign: { signalCooldownMs: 0 },
      pageSize: 100,
      flows: {
        ingress: [
          contactsToProfiles(MAPPING, {
            initialTransfer: {
              fileThreshold: 100,
              chunkRows: 100,
              importWorkflow: 'WKF_IMPORT_PROFILE',
              importTimeout: '8s',
            },
          }),
        ],
      },
    });
    const ids = await activeContactIds(stack.resources, 20);
    badEmailIds = ids.slice(0, 3);
    longNameIds = ids.slice(3, 6);
    refusedIds = ids.slice(6, 9);
    // D365 takes these; the mapping refuses the email and (Campaign allows 30 characters) the first name.
    for (const id of badEmailIds) await stack.resources.dynamics().update('contacts', id, { emailaddress1: 'no-at' });
    for (const id of longNameIds) {
      await stack.resources.dynamics().update('contacts', id, { firstname: 'Bartholomew-Maximilian-Alexander' });
    }
    // Rows the mapping accepts but the Campaign import workflow refuses (a rule of Campaign's data model).
    stack.campaign.workflows.refuseImportKeys(refusedIds, 'the value of gender is not allowed by the data model');
    await stack.startWorker();
  });

  afterAll(async () => {
    await manager?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('fails with CampaignImportTimeout, resumes on syncNow, and lands every row but the rejected ones', async () => {
    stack.campaign.workflows.holdImports();
    manager = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId(MAPPING),
      args: [{ mapping: MAPPING }],
    });
    const failed = await untilQuery(manager, ingressStatusQuery, (s) => s.phase === 'failed', 90_000);
    expect(failed.lastError).toBe(
      `initial transfer failed: the Campaign import workflow of ${MAPPING} did not finish within ` +
        'initialTransfer.importTimeout; check it in Campaign, then retry the transfer (the uploaded chunks are kept)'
    );
    const failure = await stack.temporal.client.workflow
      .getHandle(initialTransferId(MAPPING, 1))
      .result()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
    expect(((failure as WorkflowFailedError).cause as ApplicationFailure).type).toBe(CAMPAIGN_IMPORT_TIMEOUT);
    expect(failed.initialTransferDone).toBe(false);
    expect(failed.transfer?.chunksDone).toBeGreaterThanOrEqual(2); // the checkpoint is kept

    // The operator unblocks Campaign: the stuck import runs, then "sync now" resumes the transfer.
    stack.campaign.workflows.releaseImports();
    await until(() => stack.campaign.workflows.state('WKF_IMPORT_PROFILE') === 'finished', 30_000, 'the import');
    await manager.signal(syncNowSignal);
    const done = await untilQuery(manager, ingressStatusQuery, (s) => s.initialTransferDone, 90_000);
    expect(done.lastError).toBeUndefined();

    const rejected = new Set([...badEmailIds, ...longNameIds, ...refusedIds]);
    const { d365, campaign, duplicates } = await contactsAndProfiles(stack.resources);
    expect(duplicates).toEqual([]);
    expect(campaign).toEqual(d365.filter((row) => !rejected.has(String(row.id))));

    const rows = await rejectsRows(stack, MAPPING);
    expect(new Set(rows.map((row) => row.key))).toEqual(rejected); // a retried chunk may list a row twice
    for (const id of badEmailIds) {
      expect(rows).toContainEqual({
        key: id,
        field: 'email',
        valueKind: 'string',
        reason: 'email: not a valid email address',
      });
    }
    for (const id of longNameIds) {
      expect(rows).toContainEqual({
        key: id,
        field: 'firstName',
        valueKind: 'string',
        reason: 'firstName: 32 characters, Campaign allows 30',
      });
    }
    for (const id of refusedIds) {
      const row = rows.find((r) => r.key === id);
      expect(row?.reason).toMatch(/^Campaign import refused record \d+ of profile_\d{14}_\d{6}\.csv\.gz: /);
      expect(row?.reason).toContain('the value of gender is not allowed by the data model');
    }
    const text = JSON.stringify(rows);
    expect(text).not.toContain('Bartholomew');
    expect(text).not.toContain('no-at');
  }, 240_000);
});

interface RejectRow {
  key: string;
  field: string;
  valueKind: string;
  reason: string;
}

/** Every row of every rejects report of a mapping. */
async function rejectsRows(stack: FlowStack, mapping: string): Promise<RejectRow[]> {
  const folder = path.join(stack.dir, 'reports', 'ingress', mapping);
  const rows: RejectRow[] = [];
  for (const name of await readdir(folder)) {
    rows.push(...parse<RejectRow>(await readFile(path.join(folder, name), 'utf8'), { columns: true }));
  }
  return rows;
}
