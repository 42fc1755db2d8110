import { type Command } from 'commander';
import { type Client } from '@temporalio/client';
import { OutcomeKey } from '../../workflows/search-attributes';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { requireOneKnownFlow, workflowIdOf } from '../known-flows';
import { print } from '../output';
import { parseCount } from '../option-parsers';
import { formatDuration } from '../render/durations';
import { describeCounts } from '../render/flow-status';
import { runsReportSchema } from '../report-schemas';
import { connectClient } from '../temporal-client';

/** One pass or transfer of a flow, as `runs --json` prints it (schema: `runsReportSchema`). */
export interface RunReport {
  workflowId: string;
  kind: 'pass' | 'initial-transfer' | 'redrive' | 'other';
  /** Temporal's execution status: `RUNNING`, `COMPLETED`, `FAILED`, `CANCELED`, `TERMINATED`, … */
  status: string;
  /** `running`, `succeeded`, `partial` (some records rejected) or `failed`; null before the first page. */
  outcome: string | null;
  startedAt: string;
  closedAt: string | null;
  durationMs: number | null;
  /** The counts the run recorded in its memo (numbers only). */
  counts: Record<string, number>;
}

const KINDS: readonly [RegExp, RunReport['kind']][] = [
  [/:pass:\d+$/, 'pass'],
  [/:initial:\d+$/, 'initial-transfer'],
  [/:redrive:/, 'redrive'],
];

export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('Show the pass history of a flow, newest first: outcome, duration and counts of each pass.')
    .argument('<flow>', 'a flow id: ingress:<mapping>, egress or optout')
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
    .option('-n, --limit <count>', 'how many runs to show', parseCount, 20)
    .option('--json', 'print the runs as JSON')
    .addHelpText(
      'after',
      `
Each pass is also a workflow in the Temporal Web UI (e.g. ingress:contacts:pass:42), with its counts in the memo.

Examples:
  $ acs-d365 runs ingress:contacts --config acs-d365.yaml
  $ acs-d365 runs egress --limit 5 --json`
    )
    .action(async (name: string, options: { config?: string; limit: number; json?: boolean }) => {
      const file = configPathFrom(options.config);
      const config = await loadConfigOrExit(file);
      const flow = workflowIdOf(requireOneKnownFlow(name, config), config);
      const connected = await connectClient(file);
      try {
        const runs = await listRuns(connected.client, connected.settings.taskQueue, flow, options.limit);
        print(options.json ? JSON.stringify(runsReportSchema.parse({ flow, runs }), null, 2) : renderRuns(flow, runs));
      } finally {
        await connected.close();
      }
    });
}

export async function listRuns(client: Client, taskQueue: string, flow: string, limit: number): Promise<RunReport[]> {
  const runs: RunReport[] = [];
  if (limit === 0) return runs;
  const query = `WorkflowId STARTS_WITH '${flow}:' AND TaskQueue = '${taskQueue}'`;
  for await (const execution of client.workflow.list({ query })) {
    const counts = (execution.memo?.counts ?? {}) as Record<string, number>;
    const closedAt = execution.closeTime ?? null;
    runs.push({
      workflowId: execution.workflowId,
      kind: KINDS.find(([pattern]) => pattern.test(execution.workflowId))?.[1] ?? 'other',
      status: execution.status.name,
      outcome: execution.typedSearchAttributes.get(OutcomeKey) ?? null,
      startedAt: execution.startTime.toISOString(),
      closedAt: closedAt ? closedAt.toISOString() : null,
      durationMs: closedAt ? closedAt.getTime() - execution.startTime.getTime() : null,
      counts,
    });
    if (runs.length >= limit) break;
  }
  return runs;
}

function renderRuns(flow: string, runs: readonly RunReport[]): string {
  if (runs.length === 0) return `${flow}: no pass yet. Run one now: acs-d365 sync-now ${flow}`;
  const rows = runs.map((run) => [
    run.workflowId,
    run.status,
    run.outcome ?? '-',
    run.startedAt.replace('T', ' ').slice(0, 19),
    run.durationMs === null ? 'running' : formatDuration(run.durationMs),
    Object.keys(run.counts).length > 0 ? describeCounts(run.counts) : '-',
  ]);
  const header = ['RUN', 'STATUS', 'OUTCOME', 'STARTED (UTC)', 'DURATION', 'COUNTS'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
