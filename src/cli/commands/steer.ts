import { type Command } from 'commander';
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { pauseSignal, resumeSignal, syncNowSignal } from '../../workflows/steering';
import { replaySignal } from '../../workflows/ingress/messages';
import { ingressManagerId } from '../../workflows/ingress/ids';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { CliError } from '../errors';
import { requireKnownFlows, workflowIdOf } from '../known-flows';
import { type FlowAction, printFlowActions } from '../flow-actions';
import { connectClient } from '../temporal-client';

type Steer = (handle: WorkflowHandle) => Promise<void>;

interface SteerCommand {
  name: string;
  description: string;
  done: string;
  example: string;
  steer: Steer;
}

const COMMANDS: SteerCommand[] = [
  {
    name: 'pause',
    description: 'Pause flows: no new pass starts until resume (a pass already running finishes).',
    done: 'paused',
    example: 'pause ingress:contacts',
    steer: (handle) => handle.signal(pauseSignal),
  },
  {
    name: 'resume',
    description: 'Resume paused flows (a failed initial transfer also resumes from its last checkpoint).',
    done: 'resumed',
    example: 'resume all',
    steer: (handle) => handle.signal(resumeSignal),
  },
  {
    name: 'sync-now',
    description: 'Run a pass now instead of waiting for the interval (also retries a failed initial transfer).',
    done: 'asked to sync now',
    example: 'sync-now egress',
    steer: (handle) => handle.signal(syncNowSignal),
  },
  {
    name: 'stop',
    description: 'Stop flows: their manager workflows are cancelled (start them again with acs-d365 start).',
    done: 'stopping',
    example: 'stop all',
    steer: (handle) => handle.cancel().then(() => undefined),
  },
];

/** pause, resume, sync-now, stop (any flow) and replay (an ingress mapping): signals to the flows' managers. */
export function registerSteerCommands(program: Command): void {
  for (const command of COMMANDS) {
    program
      .command(command.name)
      .description(command.description)
      .argument('<flows...>', 'flow ids like ingress:contacts, egress, optout, or all')
      .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
      .option('--json', 'print { command, flows: [{ workflowId, ok, outcome }] }')
      .addHelpText(
        'after',
        `\nExamples:\n  $ acs-d365 ${command.example}\n  $ acs-d365 ${command.name} all --config acs-d365.yaml`
      )
      .action(async (flows: string[], options: { config?: string; json?: boolean }) => {
        await steerFlows(command.name, flows, options, command.steer, command.done);
      });
  }
  program
    .command('replay')
    .description('Read every row of an ingress mapping again (a full transfer), then go on incrementally.')
    .argument('<mapping>', 'the ingress mapping name, e.g. contacts')
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
    .option('--json', 'print { command, flows: [{ workflowId, ok, outcome }] }')
    .addHelpText('after', '\nExamples:\n  $ acs-d365 replay contacts --config acs-d365.yaml')
    .action(async (mapping: string, options: { config?: string; json?: boolean }) => {
      await steerFlows(
        'replay',
        [ingressManagerId(mapping)],
        options,
        (handle) => handle.signal(replaySignal),
        'replaying'
      );
    });
}

async function steerFlows(
  command: string,
  names: string[],
  options: { config?: string; json?: boolean },
  steer: Steer,
  done: string
): Promise<void> {
  const file = configPathFrom(options.config);
  const config = await loadConfigOrExit(file);
  const wanted = requireKnownFlows(names, config).map((flow) => workflowIdOf(flow, config));
  const connected = await connectClient(file);
  try {
    const actions: FlowAction[] = [];
    for (const workflowId of wanted) {
      await steerOne(connected.client, workflowId, steer);
      actions.push({ workflowId, ok: true, outcome: done });
      // Without --json each flow is reported as it is steered (a failure further on stops the command).
      if (!options.json) printFlowActions(command, actions.slice(-1), false);
    }
    if (options.json) printFlowActions(command, actions, true);
  } finally {
    await connected.close();
  }
}

async function steerOne(client: Client, workflowId: string, steer: Steer): Promise<void> {
  try {
    await steer(client.workflow.getHandle(workflowId));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CliError(`${workflowId}: ${reason}. Is it running? Start it with: acs-d365 start ${workflowId}`);
  }
}
