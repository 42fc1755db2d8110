import { type WorkflowHandle } from '@temporalio/client';
import { defaultImportWorkflow } from '../../src/sandbox/campaign/workflow-engine';
import {
  egressManagerWorkflow,
  ingressManagerWorkflow,
  optOutManagerWorkflow,
  workerCheckWorkflow,
} from '../../src/workflows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { syncNowSignal } from '../../src/workflows/ingress/messages';
import { optOutStatusQuery } from '../../src/workflows/optout/messages';
import { FlowKey, MappingKey } from '../../src/workflows/search-attributes';
import { assertBuildIsFresh } from '../harness/cli';
import { untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { campaignRecords } from '../harness/ingress-passes';
import { contactsToProfiles } from '../harness/mappings';
import { findLeaks, secretNeedles, temporalHaystacks, type Needle } from './leak-scanner';
import { untilQuery } from '../harness/polling';

const CONTACT_FIELDS = ['firstname', 'lastname', 'emailaddress1', 'telephone1', 'mobilephone'] as const;
const PLANTED = 'planted.person@example.net';

/**
 * Runs every flow on the real stack (ingress by file, with a failed Campaign import first, and by API, then an
 * incremental pass; egress; bidirectional opt-out) with the worker as a process logging at debug level, then looks for
 * the secrets and the personal data in everything Temporal keeps (histories, failures, memos, search attributes,
 * pending activities) and in everything the worker logged. Nothing may be found but the value planted on purpose.
 * Payload encryption is off: the scan reads what anyone with access to Temporal would read.
 */
describe('no secret and no personal data in Temporal or in the logs', () => {
  let stack: FlowStack;
  const logs: string[] = [];
  const handles: WorkflowHandle[] = [];
  const importWorkflow = defaultImportWorkflow();
  importWorkflow.import = { ...importWorkflow.import!, resource: 'profileTypo' }; // the first import fails

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 30 },
      campaign: {
        workflows: [importWorkflow],
        signalCooldownMs: 0,
      },
      pageSize: 10,
      flows: {
        ingress: [
          contactsToProfiles('leak-profiles', {
            fields: [
              { from: 'firstname', to: 'firstName' },
              { from: 'lastname', to: 'lastName' },
              { from: 'emailaddress1', to: 'email' },
              { from: 'telephone1', to: 'phone' },
            ],
            filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 0 }] },
            initialTransfer: { fileThreshold: 20, chunkRows: 10, importWorkflow: importWorkflow.id },
          }),
          // The inactive contacts, by API (a contact goes to profiles only; the filters keep the two sets apart).
          contactsToProfiles('leak-inactive', {
            fields: [
              { from: 'lastname', to: 'lastName' },
              { from: 'emailaddress1', to: 'email' },
              { from: 'mobilephone', to: 'mobilePhone' },
            ],
            filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 1 }] },
          }),
        ],
        egress: { every: '1h', followUpTasks: { click: true, bounce: true } },
        optOut: {
          mode: 'bidirectional',
          every: '1h',
          pairs: [
            { campaign: 'denyListEmail', dynamics: 'donotbulkemail' },
            { campaign: 'denyList', dynamics: 'donotemail' },
          ],
        },
      },
    });
    const saved = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug'; // everything the worker can log
    const worker = stack.startWorkerProcess();
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
    worker.stdout.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    worker.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  });
  afterAll(async () => {
    for (const handle of handles) await handle.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it('runs every flow, then finds only the planted value', async () => {
    const seeded = await contactNeedles();
    const client = stack.temporal.client;
    const start = { taskQueue: stack.taskQueue };

    // Ingress: by file (its Campaign import fails, then the operator fixes it) and by API.
    const profiles = await client.workflow.start(ingressManagerWorkflow, {
      ...start,
      workflowId: ingressManagerId('leak-profiles'),
      args: [{ mapping: 'leak-profiles' }],
      typedSearchAttributes: [
        { key: FlowKey, value: 'ingress' },
        { key: MappingKey, value: 'leak-profiles' },
      ],
    });
    const inactive = await client.workflow.start(ingressManagerWorkflow, {
      ...start,
      workflowId: ingressManagerId('leak-inactive'),
      args: [{ mapping: 'leak-inactive' }],
      typedSearchAttributes: [
        { key: FlowKey, value: 'ingress' },
        { key: MappingKey, value: 'leak-inactive' },
      ],
    });
    handles.push(profiles, inactive);
    const failed = await untilStatus(profiles, (s) => s.phase === 'failed', 60_000);
    expect(failed.lastError).toContain('ended in state error');
    importWorkflow.import!.resource = 'profile';
    await profiles.signal(syncNowSignal);
    const byFile = await untilStatus(profiles, (s) => s.initialTransferDone && s.phase === 'waiting', 60_000);
    expect(byFile.lastError).toBeUndefined();
    await untilStatus(inactive, (s) => s.initialTransferDone && s.phase === 'waiting', 60_000);
    await expect(
      client.workflow.getHandle(`${ingressManagerId('leak-inactive')}:initial:1`).result()
    ).resolves.toMatchObject({ path: 'api' });

    // An incremental pass carries new personal data.
    const [first] = (
      await stack.resources
        .dynamics()
        .readPages('contacts', { select: ['contactid'] })
        .next()
    ).value.rows;
    await stack.resources.dynamics().update('contacts', String(first!.contactid), {
      firstname: 'Zelinda',
      lastname: 'Quartermaine',
      emailaddress1: 'zelinda.quartermaine@example.org',
      telephone1: '+1 555 7770001',
      mobilephone: '+1 555 7770002',
    });
    for (const manager of [profiles, inactive]) await manager.signal(syncNowSignal);
    for (const manager of [profiles, inactive])
      await untilStatus(manager, (s) => s.passes >= 1 && s.phase === 'waiting');

    // Egress: email events of the profiles ingress made.
    stack.campaign.exports!.generateEvents(40);
    await stack.campaign.exports!.writeNow();
    const egress = await client.workflow.start(egressManagerWorkflow, {
      ...start,
      workflowId: 'leak-scan-egress',
      args: [{}],
      typedSearchAttributes: [{ key: FlowKey, value: 'egress' }],
    });
    handles.push(egress);
    const egressDone = await untilQuery<FlowStatus>(egress, egressStatusQuery.name, (s) => s.passes >= 1);
    expect(egressDone.lastPass?.counts?.created).toBeGreaterThan(0);

    // Opt-out, both ways.
    const optout = await client.workflow.start(optOutManagerWorkflow, {
      ...start,
      workflowId: 'leak-scan-optout',
      args: [{}],
      typedSearchAttributes: [{ key: FlowKey, value: 'optout' }],
    });
    handles.push(optout);
    await untilQuery<FlowStatus>(optout, optOutStatusQuery.name, (s) => s.passes >= 1);
    await stack.resources.dynamics().update('contacts', String(first!.contactid), { donotbulkemail: true });
    await stack.campaign.exports!.writeNow();
    await optout.signal(syncNowSignal);
    const optoutDone = await untilQuery<FlowStatus>(optout, optOutStatusQuery.name, (s) => s.passes >= 2);
    expect(optoutDone.lastError).toBeUndefined();

    // The self-check: a workflow whose memo carries a made-up email. The scan must find it there, and only there.
    const planted = await client.workflow.execute(workerCheckWorkflow, {
      ...start,
      workflowId: `leak-scan-planted-${stack.taskQueue}`,
      memo: { note: PLANTED },
    });
    expect(planted.taskQueue).toBe(stack.taskQueue);

    const needles: Needle[] = [
      ...secretNeedles('D365 client secret', stack.secretEnv.TEST_D365_SECRET!),
      ...secretNeedles('Campaign client secret', stack.secretEnv.TEST_CAMPAIGN_SECRET!),
      ...secretNeedles('SFTP private key', stack.secretEnv.TEST_SFTP_KEY!),
      ...seeded,
      ...(await contactNeedles()),
      ...(await profileEmailNeedles()),
      { label: 'planted email', value: PLANTED },
    ];
    const haystacks = [...(await temporalHaystacks(client, stack.taskQueue)), { where: 'worker logs', texts: logs }];

    // The scan saw what it should: all the flows' runs, and the worker's debug logs.
    const scannedTypes = new Set(haystacks.map((h) => h.where.split(' ')[0]));
    expect(scannedTypes).toEqual(
      new Set([
        'ingressManagerWorkflow',
        'initialTransferWorkflow',
        'ingressPassWorkflow',
        'egressManagerWorkflow',
        'egressPassWorkflow',
        'optOutManagerWorkflow',
        'optOutPassWorkflow',
        'workerCheckWorkflow',
        'worker', // its logs
      ])
    );
    expect(logs.join('')).toContain('"level":20'); // debug lines were captured
    const logHaystack = haystacks.filter((h) => h.where === 'worker logs');
    expect(findLeaks(logHaystack, [{ label: 'a mapping name', value: 'leak-inactive' }])).toHaveLength(1);
    expect(needles.filter((n) => n.label.startsWith('contact')).length).toBeGreaterThan(100);

    const leaks = findLeaks(haystacks, needles);
    expect(leaks.map((leak) => `${leak.label} in ${leak.where}: …${leak.context}…`)).toEqual([
      expect.stringMatching(/^planted email in workerCheckWorkflow leak-scan-planted-.*: history: /),
      expect.stringMatching(/^planted email in workerCheckWorkflow leak-scan-planted-.*: description: /),
    ]);
  }, 300_000);

  /** Names, emails and phone numbers of every contact, as D365 has them now. */
  async function contactNeedles(): Promise<Needle[]> {
    const needles: Needle[] = [];
    for await (const page of stack.resources.dynamics().readPages('contacts', { select: [...CONTACT_FIELDS] })) {
      for (const row of page.rows) {
        for (const field of CONTACT_FIELDS) {
          const value = row[field];
          if (typeof value === 'string' && value !== '') needles.push({ label: `contact ${field}`, value });
        }
        needles.push({ label: 'contact full name', value: `${String(row.firstname)} ${String(row.lastname)}` });
      }
    }
    return needles;
  }

  /** The email of every Campaign profile. */
  async function profileEmailNeedles(): Promise<Needle[]> {
    const records = await campaignRecords(stack.resources.campaign(), 'profileAndServicesExt', 'profile', 'PKey');
    return [...records.values()]
      .map((record) => record.email)
      .filter((email): email is string => typeof email === 'string' && email !== '')
      .map((value) => ({ label: 'Campaign profile email', value }));
  }
});

interface FlowStatus {
  passes: number;
  lastError?: string;
  lastPass?: { counts?: Record<string, number> };
}
