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
    /**
     * What a running manager says of itself (its `status` query): phase, passes, the last pass's counts, next run,
     * last error. Absent for passes and closed workflows; `{ unavailable }` when no worker answered in time.
     */
    detail?: Record<string, unknown>;
  }[];
}

/** How long `status` waits for a manager to answer its query (no worker polling means no answer). */
const QUERY_TIMEOUT_MS = 5_000;

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
    const isManager = execution.type.endsWith('ManagerWorkflow') && execution.status.name === 'RUNNING';
    flows.push({
      workflowId: execution.workflowId,
      type: execution.type,
      flow: execution.typedSearchAttributes.get(FlowKey) ?? null,
      mapping: execution.typedSearchAttributes.get(MappingKey) ?? null,
      status: execution.status.name,
      startedAt: execution.startTime.toISOString(),
      ...(isManager ? { detail: await managerStatus(client, execution.workflowId) } : {}),
    });
  }
  return { temporal: settings, workers, flows };
}

async function managerStatus(client: Client, workflowId: string): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Record<string, unknown>>((resolve) => {
    timer = setTimeout(() => resolve({ unavailable: 'no worker answered; is one running?' }), QUERY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      client.workflow
        .getHandle(workflowId)
        .query<Record<string, unknown>>('status')
        .catch((err: unknown) => ({ unavailable: err instanceof Error ? err.message : String(err) })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
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
      if (flow.detail) lines.push(`    ${describeDetail(flow.detail)}`);
    }
  }
  return lines.join('\n');
}

/** One line from a manager's own status: `phase waiting, 3 passes, last pass {...}, next run …, last error …`. */
function describeDetail(detail: Record<string, unknown>): string {
  if ('unavailable' in detail) return `state unknown: ${String(detail.unavailable)}`;
  const parts = [`phase ${String(detail.phase)}`, `${String(detail.passes)} passes`];
  const lastPass = detail.lastPass as { counts?: Record<string, number> } | undefined;
  if (lastPass?.counts) {
    parts.push(
      `last pass ${Object.entries(lastPass.counts)
        .map(([name, value]) => `${name} ${value}`)
        .join(', ')}`
    );
  }
  if (typeof detail.nextRunAt === 'string') parts.push(`next run ${detail.nextRunAt}`);
  if (typeof detail.lastError === 'string') parts.push(`last error: ${detail.lastError}`);
  return parts.join('; ');
}
