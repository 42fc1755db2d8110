import { Command } from 'commander';
import { registerCodecServerCommand } from './commands/codec-server';
import { registerConfigCommand } from './commands/config';
import { registerDoctorCommand } from './commands/doctor';
import { registerSandboxCommand } from './commands/sandbox';
import { registerSimulateCommand } from './commands/simulate';
import { registerRejectsCommand } from './commands/rejects';
import { registerResetCursorCommand } from './commands/reset-cursor';
import { registerRetryCommand } from './commands/retry';
import { registerRunsCommand } from './commands/runs';
import { registerStartCommand } from './commands/start';
import { registerStatusCommand } from './commands/status';
import { registerSteerCommands } from './commands/steer';
import { registerVerifyCommand } from './commands/verify';
import { registerWorkerCommand } from './commands/worker';
import { version } from '../version';

/** Builds the `acs-d365` command tree. Each command lives in its own file under `commands/`. */
export function buildProgram(): Command {
  const program = new Command('acs-d365')
    .description('Durable sync between Microsoft Dynamics 365 and Adobe Campaign Standard, run by Temporal.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ acs-d365 sandbox                          run everything locally, no credentials needed
  $ acs-d365 config validate acs-d365.yaml    check a configuration file
  $ acs-d365 worker --config acs-d365.yaml    run the worker against your Temporal cluster
  $ acs-d365 doctor --config acs-d365.yaml    check Temporal, D365, Campaign and the SFTP, one line each
  $ acs-d365 status                           show every flow and its state
  $ acs-d365 verify                           check that D365 and Campaign agree`
    );
  registerConfigCommand(program);
  registerWorkerCommand(program);
  registerSandboxCommand(program);
  registerStartCommand(program);
  registerSteerCommands(program);
  registerStatusCommand(program);
  registerDoctorCommand(program);
  registerRunsCommand(program);
  registerRetryCommand(program);
  registerRejectsCommand(program);
  registerResetCursorCommand(program);
  registerVerifyCommand(program);
  registerSimulateCommand(program);
  registerCodecServerCommand(program);
  return program;
}
