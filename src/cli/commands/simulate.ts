import { type Command } from 'commander';
import { registerSimulateCampaignCommand } from './simulate-campaign';
import { registerSimulateDynamicsCommand } from './simulate-dynamics';

/**
 * `acs-d365 simulate <system>`: runs one simulator alone, for tests, benchmarks and trying the client by hand.
 * Each simulator registers its own subcommand here.
 */
export function registerSimulateCommand(program: Command): void {
  const simulate = program
    .command('simulate')
    .description('Run a simulator of Dynamics 365 or Adobe Campaign Standard on its own (no credentials needed).')
    .addHelpText(
      'after',
      '\nExamples:\n  $ acs-d365 simulate dynamics --port 9001\n  $ acs-d365 simulate campaign --port 9002'
    );
  registerSimulateDynamicsCommand(simulate);
  registerSimulateCampaignCommand(simulate);
}
