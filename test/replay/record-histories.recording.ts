import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type History } from '@temporalio/common/lib/proto-utils';
import { listRejectsReports, rejectsFolder } from '../../src/cli/rejects-reports';
import { startFlows } from '../../src/temporal/start-flows';
import * as workflows from '../../src/workflows';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { readContacts } from '../harness/flow-compare';
import { eventually } from '../harness/polling';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { findLeaks } from '../security/leak-scanner';
import { allText } from '../security/history-text';
import { HISTORIES_DIR, historyToFile } from './histories';

/**
 * Records one history of every workflow type from real runs: every flow of a configuration on the dev server against
 * the simulators (an initial transfer by file, passes, a rejected record re-driven, egress events with unknown contacts
 * re-driven, opt-out, verify on an interval), then writes the longest history of each type to test/replay/histories/.
 * Run it with scripts/record-histories.sh after a deliberate change of workflow code (see docs/deployment.md).
 */
const MAPPING = 'contacts';

describe('recording workflow histories', () => {
  let stack: FlowStack;

  beforeAll(async () => {
    stack = await startFlowStack({
      dynamics: { seedContacts: 30 },
      campaign: { signalCooldownMs: 500, exports: { eventsPerInterval: 10, optOutChangesPerInterval: 2 } },
      pageSize: 10,
      flows: {
        ingress: [
          contactsToProfiles(MAPPING, {
            every: '1s',
            initialTransfer: { fileThreshold: 20, chunkRows: 10, importWorkflow: 'WKF_IMPORT_PROFILE' },
          }),
        ],
        egress: { every: '1s' },
        optOut: {
          mode: 'bidirectional',
          every: '1s',
          pairs: [{ campaign: 'denyListEmail', dynamics: 'donotbulkemail' }],
        },
        verify: { every: '2s', quiet: '1s' },
      },
    });
    await stack.startWorker();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('runs every workflow type and writes one history of each', async () => {
    const { client } = stack.temporal;
    const config = stack.config;
    await startFlows(client, config, stack.taskQueue, ['all']);
    const ingress = client.workflow.getHandle(ingressManagerId(MAPPING));
    await eventually(async () => expect(await passes(ingress)).toBeGreaterThanOrEqual(2), 120_000);

    // A record Campaign refuses, then fixed and re-driven.
    const dynamics = stack.resources.dynamics();
    const bad = await dynamics.create('contacts', { firstname: 'Replay', lastname: 'Sample', emailaddress1: 'no-at' });
    const ingressReports = rejectsFolder(config.reports.folder, ingressManagerId(MAPPING));
    const [report] = await eventually(async () => {
      const reports = await listRejectsReports(ingressReports);
      expect(reports.length).toBeGreaterThan(0);
      return reports;
    });
    await dynamics.update('contacts', String(bad.id), { emailaddress1: 'replay.sample@example.com' });
    await client.workflow.execute(workflows.ingressRedriveWorkflow, {
      workflowId: `${ingressManagerId(MAPPING)}:redrive:recording`,
      taskQueue: stack.taskQueue,
      args: [{ mapping: MAPPING, reports: [report!.name] }],
    });

    // Events of Campaign profiles and of profiles D365 does not know (rejected), then re-driven.
    stack.campaign.exports!.generateEvents(20);
    stack.campaign.exports!.generateOptOutChanges(3);
    await stack.campaign.exports!.writeNow();
    const egressReports = rejectsFolder(config.reports.folder, 'egress');
    const egressReport = await eventually(async () => {
      const reports = await listRejectsReports(egressReports);
      expect(reports.length).toBeGreaterThan(0);
      return reports[0]!;
    }, 60_000).catch(() => undefined);
    await client.workflow.execute(workflows.egressRedriveWorkflow, {
      workflowId: 'egress:redrive:recording',
      taskQueue: stack.taskQueue,
      args: [{ reports: egressReport ? [egressReport.name] : [] }],
    });
    await client.workflow.execute(workflows.workerCheckWorkflow, {
      workflowId: 'worker-check:recording',
      taskQueue: stack.taskQueue,
    });
    await eventually(async () => {
      for (const flow of ['egress', 'optout', 'verify']) {
        expect(await passes(client.workflow.getHandle(flow))).toBeGreaterThanOrEqual(2);
      }
    }, 120_000);
    for (const flow of [ingressManagerId(MAPPING), 'egress', 'optout', 'verify']) {
      await client.workflow.getHandle(flow).terminate('recording over');
    }

    const longest = new Map<string, { workflowId: string; history: History; events: number }>();
    for await (const execution of client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}'` })) {
      if (execution.status.name === 'RUNNING') continue;
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const events = history.events?.length ?? 0;
      if (events > (longest.get(execution.type)?.events ?? 0)) {
        longest.set(execution.type, { workflowId: execution.workflowId, history, events });
      }
    }
    expect([...longest.keys()].sort()).toEqual(Object.keys(workflows).sort());

    // The simulators' data is synthetic; still, no contact's name or email may be in a checked-in history.
    const contacts = [...(await readContacts(stack.resources)).values()];
    const needles = contacts.flatMap((contact) =>
      ['firstname', 'lastname', 'emailaddress1']
        .map((field) => contact[field])
        .filter((value): value is string => typeof value === 'string' && value.length > 3)
        .map((value) => ({ label: 'a contact field', value }))
    );
    const haystacks = [...longest.entries()].map(([type, { history }]) => ({ where: type, texts: allText(history) }));
    expect(findLeaks(haystacks, needles)).toEqual([]);

    await mkdir(HISTORIES_DIR, { recursive: true });
    for (const [type, { workflowId, history }] of longest) {
      await writeFile(path.join(HISTORIES_DIR, `${type}.json`), historyToFile(workflowId, history));
    }
  }, 600_000);
});

async function passes(handle: { query: (name: string) => Promise<unknown> }): Promise<number> {
  const status = (await handle.query('status')) as { passes?: number };
  return status.passes ?? 0;
}
