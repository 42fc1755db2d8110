import { type Command } from 'commander';
import { type Client } from '@temporalio/client';
import { recordedManager } from '../../temporal/recorded-state';
import { startManager } from '../../temporal/start-flows';
import { syncNowSignal } from '../../workflows/steering';
import type { TransferProgress } from '../../workflows/ingress/messages';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { CliError, ExitCode } from '../errors';
import { type FlowAction, printFlowActions } from '../flow-actions';
import { requireKnownFlows, workflowIdOf } from '../known-flows';
import { queryManagerStatus } from '../../temporal/manager-status';
import { formatCount } from '../render/durations';
import { connectClient } from '../temporal-client';

export function registerRetryCommand(program: Command): void {
  program
    .command('retry')
    .description(
      'Resume a failed flow from its checkpoint: a failed initial transfer goes on from its last completed page ' +
        'or chunk, a failed pass reads again from the last applied cursor, and a manager that stopped ' +
        '(failed, terminated or stopped) is restarted from the state its last run recorded.'
    )
    .argument('<flows...>', 'flow ids like ingress:contacts, egress, optout, or all')
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
    .option('--json', 'print { command, flows: [{ workflowId, ok, outcome, message }] } (exit 1 when one failed)')
    .addHelpText(
      'after',
      `
Fix the cause first (acs-d365 status shows the last error); restart the worker if you changed its configuration.

Examples:
  $ acs-d365 retry ingress:contacts --config acs-d365.yaml
  $ acs-d365 retry all`
    )
    .action(async (flows: string[], options: { config?: string; json?: boolean }) => {
      const file = configPathFrom(options.config);
      const config = await loadConfigOrExit(file);
      const wanted = requireKnownFlows(flows, config).map((flow) => workflowIdOf(flow, config));
      const connected = await connectClient(file);
      try {
        const actions: FlowAction[] = [];
        for (const workflowId of wanted) {
          const outcome = await retryFlow(connected.client, connected.settings.taskQueue, workflowId);
          actions.push({ workflowId, ...outcome });
        }
        printFlowActions('retry', actions, options.json);
        const failures = actions.filter((action) => !action.ok);
        if (failures.length > 0 && options.json) process.exitCode = ExitCode.failure;
        else if (failures.length > 0)
          throw new CliError(failures.map((action) => `${action.workflowId}: ${action.message}`).join('\n'));
      } finally {
        await connected.close();
      }
    });
}

async function retryFlow(
  client: Client,
  taskQueue: string,
  workflowId: string
): Promise<{ ok: boolean; outcome: string; message: string }> {
  let recorded;
  try {
    recorded = await recordedManager(client, workflowId);
  } catch (err) {
    return { ok: false, outcome: 'failed', message: (err as Error).message };
  }
  if (recorded.kind === 'never-started') {
    return {
      ok: false,
      outcome: 'never-started',
      message: `never started, nothing to retry. Start it: acs-d365 start ${workflowId}`,
    };
  }
  if (recorded.kind === 'closed') {
    await startManager(client, taskQueue, workflowId, recorded.input);
    return {
      ok: true,
      outcome: 'restarted',
      message: `its manager had ${recorded.status}; restarted from the state its last run recorded`,
    };
  }
  const answer = await queryManagerStatus(client, workflowId);
  if (!answer.ok) return { ok: false, outcome: 'unknown-state', message: `cannot read its state: ${answer.reason}` };
  const { lastError, transfer } = answer.status as { lastError?: string; transfer?: TransferProgress };
  if (!lastError) {
    return {
      ok: false,
      outcome: 'nothing-to-retry',
      message: `has no failure to retry (its last pass succeeded). To run a pass now: acs-d365 sync-now ${workflowId}`,
    };
  }
  await client.workflow.getHandle(workflowId).signal(syncNowSignal);
  return {
    ok: true,
    outcome: 'retrying',
    message: `retrying (${resumePoint(transfer)}); it failed with: ${lastError}`,
  };
}

function resumePoint(transfer: TransferProgress | undefined): string {
  if (!transfer) return 'the next pass reads again from the last applied cursor';
  const unit = transfer.path === 'file' ? 'chunks' : 'pages';
  return (
    `the initial transfer resumes from its checkpoint; ${transfer.chunksDone} ${unit} and ` +
    `${formatCount(transfer.rowsDone)} of ${formatCount(transfer.totalRows)} rows were done`
  );
}
