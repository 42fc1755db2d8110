import { type Command } from 'commander';
import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { FlowKey, MappingKey } from '../../workflows/search-attributes';
import { connectClient } from '../temporal-client';
import { print } from '../output';

/** The state of the worker fleet and of every flow, as `status --json` prints it. */
export interface StatusReport {
  temporal: { address: string; namespace: string; taskQueue: string };
  workers: { identity: string; lastSeen: string | null }[];
  flows: {
    workflowId: string;
    type: string;
    flow: string | null;
    mapping: string | null;
    status: string;
    startedAt: string;
  }[];
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show the workers polling the task queue and the state of every flow.')
    .option('-c, --config <file>', 'configuration file, for the Temporal connection (default: environment)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ acs-d365 status
  $ TEMPORAL_ADDRESS=127.0.0.1:17233 acs-d365 status --json`
    )
    .action(async (options: { config?: string; json?: boolean }) => {
      const connected = await connectClient(options.config ?? process.env.ACS_D365_CONFIG);
      try {
        const report = await collectStatus(connected.client, connected.settings);
        print(options.json ? JSON.stringify(report, null, 2) : renderStatus(report));
      } finally {
        await connected.close();
      }
    });
}

async function collectStatus(
  client: Client,
  settings: { address: string; namespace: string; taskQueue: string }
): Promise<StatusReport> {
  const queue = await client.workflowService.describeTaskQueue({
    namespace: settings.namespace,
    taskQueue: { name: settings.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const workers = (queue.pollers ?? []).map((poller) => ({
    identity: poller.identity ?? 'unknown',
    lastSeen: poller.lastAccessTime?.seconds
      ? new Date(Number(poller.lastAccessTime.seconds) * 1000).toISOString()
      : null,
  }));
  const flows: StatusReport['flows'] = [];
  for await (const execution of client.workflow.list({ query: `${FlowKey.name} IS NOT NULL` })) {
    flows.push({
      workflowId: execution.workflowId,
      type: execution.type,
      flow: execution.typedSearchAttributes.get(FlowKey) ?? null,
      mapping: execution.typedSearchAttributes.get(MappingKey) ?? null,
      status: execution.status.name,
      startedAt: execution.startTime.toISOString(),
    });
  }
  return { temporal: settings, workers, flows };
}

function renderStatus(report: StatusReport): string {
  const lines = [
    `Temporal ${report.temporal.address}, namespace ${report.temporal.namespace}, task queue ${report.temporal.taskQueue}`,
  ];
  lines.push(
    report.workers.length === 0
      ? 'Workers: none polling. Start one: acs-d365 worker --config <file>'
      : `Workers: ${report.workers.length} polling (${report.workers.map((w) => w.identity).join(', ')})`
  );
  if (report.flows.length === 0) {
    lines.push('Flows: none started yet.');
  } else {
    lines.push('Flows:');
    for (const flow of report.flows) {
      lines.push(`  ${flow.workflowId.padEnd(36)} ${flow.status.padEnd(12)} started ${flow.startedAt}`);
    }
  }
  return lines.join('\n');
}
