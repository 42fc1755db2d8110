import { type Command } from 'commander';
import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { durationToMs, isDuration } from '../../config/duration';
import { deploymentFilter, flowOfWorkflowId, ingressMappingOf } from '../../temporal/flow-ids';
import { configuredFlows } from '../../temporal/start-flows';
import { FlowKey, MappingKey } from '../../workflows/search-attributes';
import { loadConfigOrExit } from '../config-file';
import { workflowIdOf } from '../known-flows';
import { queryManagerStatus } from '../../temporal/manager-status';
import { print } from '../output';
import { renderFlowStatus } from '../render/flow-status';
import { statusReportSchema } from '../report-schemas';
import { connectClient } from '../temporal-client';
import { runUntilStopped } from '../until-stopped';
import { CliError } from '../errors';
import { formatAge } from '../render/durations';
import { checkStatus, flowIntervals, isPolling, type StatusCheck } from '../status-check';

/** The state of the worker fleet and of every flow, as `status --json` prints it (schema: `statusReportSchema`). */
export interface StatusReport {
  generatedAt: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  /** Pollers the server lists; `polling` is false for one not heard from lately (a stopped or killed worker). */
  workers: { identity: string; lastSeen: string | null; polling: boolean }[];
  flows: FlowReport[];
  /** With `--check`: what is wrong, and the exit code it gives. */
  check?: StatusCheck;
}

export interface FlowReport {
  workflowId: string;
  type: string | null;
  flow: string | null;
  mapping: string | null;
  /** Temporal's execution status (`RUNNING`, `FAILED`, …), or `NOT_STARTED` for a configured flow never started. */
  status: string;
  startedAt: string | null;
  closedAt?: string;
  /**
   * What a running manager says of itself (its `status` query): phase, passes, the last pass's counts, cursor time,
   * transfer progress, next run, last error. `{ unavailable }` when no worker answered in time.
   */
  detail?: Record<string, unknown>;
}

const MANAGER_TYPES = [
  'ingressManagerWorkflow',
  'egressManagerWorkflow',
  'optOutManagerWorkflow',
  'verifyManagerWorkflow',
];
const DEFAULT_INTERVAL = '2s';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'Show the workers polling the task queue and every flow: state, last pass and its counts, cursor age, ' +
        'next run, last error, and a progress bar while an initial transfer runs.'
    )
    .option('-c, --config <file>', 'configuration file: its Temporal connection, and flows not started yet')
    .option('--json', 'print the report as JSON (with --watch: one JSON document per line)')
    .option('-w, --watch', 'refresh until Ctrl-C')
    .option('--interval <duration>', 'time between refreshes with --watch', DEFAULT_INTERVAL)
    .option(
      '--check',
      'exit non-zero when a flow failed (4), no worker polls (5) or a cursor is stale (6); for monitoring (needs the configuration)'
    )
    .addHelpText(
      'after',
      `
Exit codes with --check: 0 healthy; 4 a flow failed (manager failed or terminated, failed initial transfer, last pass
failed); 5 no worker polls the task queue; 6 a running flow's cursor has not moved for 3 of its intervals; when several
apply, the first in this list. 1 when Temporal cannot be reached, 2 on a usage error.

Examples:
  $ acs-d365 status --config acs-d365.yaml
  $ acs-d365 status --watch --config acs-d365.yaml      follow an initial transfer (rows, chunks, rate, ETA)
  $ TEMPORAL_ADDRESS=127.0.0.1:7233 acs-d365 status --json
  $ acs-d365 status --check --config acs-d365.yaml || alert "acs-d365: exit $?"`
    )
    .action(
      async (options: { config?: string; json?: boolean; watch?: boolean; interval: string; check?: boolean }) => {
        const configFile = options.config ?? process.env.ACS_D365_CONFIG;
        const intervalMs = parseInterval(options.interval);
        if (options.check && options.watch) throw new CliError('--check and --watch do not go together', 2);
        if (options.check && !configFile)
          throw new CliError('--check needs the configuration (the flows and their intervals): pass --config', 2);
        const config = configFile ? await loadConfigOrExit(configFile) : undefined;
        const deployment = config?.temporal.deployment;
        const configured = config ? configuredFlows(config).map((flow) => workflowIdOf(flow, config)) : [];
        const connected = await connectClient(configFile);
        const show = async (): Promise<void> => {
          const report = await collectStatus(connected.client, connected.settings, configured, deployment);
          if (options.check && config) {
            report.check = checkStatus(
              report,
              flowIntervals(config, (flow) => workflowIdOf(flow, config))
            );
            process.exitCode = report.check.exitCode;
          }
          if (options.json)
            print(JSON.stringify(statusReportSchema.parse(report), null, options.watch ? undefined : 2));
          else print((options.watch && process.stdout.isTTY ? '\x1b[2J\x1b[H' : '') + renderStatus(report));
        };
        try {
          if (options.watch) await watch(show, intervalMs);
          else await show();
        } finally {
          await connected.close();
        }
      }
    );
}

function parseInterval(text: string): number {
  if (isDuration(text) && durationToMs(text) >= 200) return durationToMs(text);
  throw new CliError(`--interval ${text}: give a duration of at least 200ms, e.g. 2s or 500ms`, 2);
}

/**
 * Calls `show` now and then every `intervalMs` until SIGINT/SIGTERM (listened to from the start, so that Ctrl-C
 * always ends cleanly); a refresh that fails is reported and the next one tried.
 */
async function watch(show: () => Promise<void>, intervalMs: number): Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => undefined;
  const stop = runUntilStopped(() => {
    stopped = true;
    clearTimeout(timer);
    wake();
  });
  await show();
  while (!stopped) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, intervalMs);
    });
    if (stopped) break;
    await show().catch((err: unknown) => print(`status refresh failed: ${(err as Error).message}`));
  }
  await stop;
}

export async function collectStatus(
  client: Client,
  settings: { address: string; namespace: string; taskQueue: string },
  configured: readonly string[],
  deployment?: string
): Promise<StatusReport> {
  const queue = await client.workflowService.describeTaskQueue({
    namespace: settings.namespace,
    taskQueue: { name: settings.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const now = Date.now();
  const workers = (queue.pollers ?? []).map((poller) => {
    const lastSeen = poller.lastAccessTime?.seconds
      ? new Date(Number(poller.lastAccessTime.seconds) * 1000).toISOString()
      : null;
    return { identity: poller.identity ?? 'unknown', lastSeen, polling: isPolling(lastSeen, now) };
  });
  const flows = new Map<string, FlowReport>();
  const types = MANAGER_TYPES.map((type) => `'${type}'`).join(', ');
  // Newest run first: after continue-as-new, the running run of a manager is listed before its closed ones.
  for await (const execution of client.workflow.list({
    // This deployment's task queue and ids only: others may share the namespace (and encrypt with other keys).
    query:
      `${FlowKey.name} IS NOT NULL AND WorkflowType IN (${types}) AND TaskQueue = '${settings.taskQueue}'` +
      deploymentFilter(deployment),
  })) {
    if (flows.has(execution.workflowId)) continue;
    const running = execution.status.name === 'RUNNING';
    const answer = running ? await queryManagerStatus(client, execution.workflowId) : undefined;
    flows.set(execution.workflowId, {
      workflowId: execution.workflowId,
      type: execution.type,
      flow: execution.typedSearchAttributes.get(FlowKey) ?? null,
      mapping: execution.typedSearchAttributes.get(MappingKey) ?? null,
      status: execution.status.name,
      startedAt: execution.startTime.toISOString(),
      ...(execution.closeTime ? { closedAt: execution.closeTime.toISOString() } : {}),
      ...(answer ? { detail: answer.ok ? answer.status : { unavailable: answer.reason } } : {}),
    });
  }
  for (const workflowId of configured) {
    if (flows.has(workflowId)) continue;
    flows.set(workflowId, {
      workflowId,
      type: null,
      flow: flowOfWorkflowId(workflowId).split(':')[0] ?? null,
      mapping: ingressMappingOf(workflowId) ?? null,
      status: 'NOT_STARTED',
      startedAt: null,
    });
  }
  const sorted = [...flows.values()].sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  return { generatedAt: new Date(now).toISOString(), temporal: settings, workers, flows: sorted };
}

export function renderStatus(report: StatusReport): string {
  const now = Date.parse(report.generatedAt);
  const lines = [
    `Temporal ${report.temporal.address}, namespace ${report.temporal.namespace}, task queue ${report.temporal.taskQueue}`,
    renderWorkers(report.workers, now),
  ];
  if (report.flows.length === 0) {
    lines.push('Flows: none started yet. Start them: acs-d365 start all --config <file>');
  } else {
    lines.push('Flows:');
    for (const flow of report.flows) lines.push(...renderFlowStatus(flow, now).map((line) => `  ${line}`));
  }
  if (report.check) {
    lines.push(
      report.check.ok ? 'Check: healthy' : `Check: exit ${report.check.exitCode}`,
      ...report.check.problems.map((problem) => `  ${problem.kind}: ${problem.message}`)
    );
  }
  return lines.join('\n');
}

/** `Workers: 1 polling (a, seen 3s ago); gone: b (last seen 4m 10s ago)`: a killed worker stays listed for minutes. */
function renderWorkers(workers: StatusReport['workers'], now: number): string {
  const seen = (worker: StatusReport['workers'][number]): string =>
    `${worker.identity}, ${worker.lastSeen ? `${worker.polling ? 'seen' : 'last seen'} ${formatAge(worker.lastSeen, now)}` : 'never seen'}`;
  const polling = workers.filter((worker) => worker.polling);
  const gone = workers.filter((worker) => !worker.polling);
  const head =
    polling.length === 0
      ? 'Workers: none polling. Start one: acs-d365 worker --config <file>'
      : `Workers: ${polling.length} polling (${polling.map(seen).join('; ')})`;
  return gone.length === 0 ? head : `${head}; gone: ${gone.map(seen).join('; ')}`;
}
