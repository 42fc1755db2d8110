import { type Command } from 'commander';
import { startFlows } from '../../temporal/start-flows';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { CliError } from '../errors';
import { printFlowActions } from '../flow-actions';
import { connectClient } from '../temporal-client';

const STATE_WORDS = {
  started: 'started',
  resumed: 'resumed from its last run (cursors kept)',
  running: 'already running',
} as const;

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Start flows (their long-running manager workflows). A flow that ran before resumes from the cursors its ' +
        'last run left; a flow already running is left as it is.'
    )
    .argument('<flows...>', 'flow ids like ingress:contacts, or all')
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
    .option('--fresh', 'ignore earlier runs: no cursor, so an ingress flow transfers every row again')
    .option('--json', 'print { command, flows: [{ workflowId, ok, outcome }] } (outcome: started, resumed, running)')
    .addHelpText(
      'after',
      `
A worker must be running with the same configuration (acs-d365 worker) for the flows to make progress.

Examples:
  $ acs-d365 start all --config acs-d365.yaml
  $ acs-d365 start ingress:contacts
  $ acs-d365 start ingress:contacts --fresh`
    )
    .action(async (flows: string[], options: { config?: string; fresh?: boolean; json?: boolean }) => {
      const file = configPathFrom(options.config);
      const config = await loadConfigOrExit(file);
      const connected = await connectClient(file);
      try {
        const started = await startFlows(connected.client, config, connected.settings.taskQueue, flows, {
          fresh: options.fresh === true,
        });
        printFlowActions(
          'start',
          started.map((flow) => ({ workflowId: flow.workflowId, ok: true, outcome: flow.state })),
          options.json,
          (action) => STATE_WORDS[action.outcome as keyof typeof STATE_WORDS]
        );
      } catch (err) {
        throw new CliError((err as Error).message);
      } finally {
        await connected.close();
      }
    });
}
