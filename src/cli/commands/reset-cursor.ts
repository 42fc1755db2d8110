import { createInterface } from 'node:readline/promises';
import { type Command } from 'commander';
import { resetCursorSignal } from '../../workflows/ingress/messages';
import { ingressManagerId } from '../../workflows/ingress/ids';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { CliError, ExitCode } from '../errors';
import { requireKnownFlows, workflowIdOf } from '../known-flows';
import { printFlowActions } from '../flow-actions';
import { print } from '../output';
import { connectClient } from '../temporal-client';

export function registerResetCursorCommand(program: Command): void {
  program
    .command('reset-cursor')
    .description(
      "Forget an ingress mapping's D365 delta link (and any transfer checkpoint): it reads the whole table again " +
        'and deletes from Campaign the records D365 no longer has (when the mapping applies deletes). ' +
        'Asks to confirm.'
    )
    .argument('<mapping>', 'the ingress mapping name, e.g. contacts')
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
    .option('-y, --yes', 'do not ask (for scripts)')
    .option('--json', 'print { command, flows: [{ workflowId, ok, outcome }] } (outcome: cursor-reset or unchanged)')
    .addHelpText(
      'after',
      `
Use it when the cursor cannot be trusted (D365 restored from a backup, change tracking turned off and on).
To send every row again without deleting anything, use acs-d365 replay instead.

Examples:
  $ acs-d365 reset-cursor contacts --config acs-d365.yaml
  $ acs-d365 reset-cursor contacts --yes`
    )
    .action(async (mapping: string, options: { config?: string; yes?: boolean; json?: boolean }) => {
      const file = configPathFrom(options.config);
      const config = await loadConfigOrExit(file);
      const [flow] = requireKnownFlows([ingressManagerId(mapping)], config);
      if (!flow) return;
      const workflowId = workflowIdOf(flow, config);
      if (!options.yes && !(await confirmed(workflowId))) {
        if (options.json) printFlowActions('reset-cursor', [{ workflowId, ok: true, outcome: 'unchanged' }], true);
        else print('Nothing changed.');
        return;
      }
      const connected = await connectClient(file);
      try {
        await connected.client.workflow.getHandle(workflowId).signal(resetCursorSignal);
        printFlowActions(
          'reset-cursor',
          [
            {
              workflowId,
              ok: true,
              outcome: 'cursor-reset',
              message: 'cursor reset; a full read starts now (follow it with: acs-d365 status --watch)',
            },
          ],
          options.json
        );
      } catch (err) {
        throw new CliError(
          `${workflowId}: ${(err as Error).message}. Is it running? Start it with: acs-d365 start ${workflowId}`
        );
      } finally {
        await connected.close();
      }
    });
}

async function confirmed(workflowId: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new CliError(
      `reset-cursor ${workflowId} needs a confirmation: run it in a terminal, or add --yes`,
      ExitCode.usage
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question(
      `${workflowId}: forget the cursor, read the whole table again and delete from Campaign what D365 no ` +
        'longer has? [y/N] '
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
