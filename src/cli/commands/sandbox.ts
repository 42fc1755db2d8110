import { type Command } from 'commander';
import { parsePort } from '../option-parsers';
import { runSandbox } from '../../sandbox/run-sandbox';
import { CliError } from '../errors';
import { print } from '../output';

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('Run everything locally with no credentials: Temporal with its Web UI, the simulators and the worker.')
    .option('--port <port>', 'Temporal frontend port', parsePort, 7233)
    .option('--ui-port <port>', 'Temporal Web UI port', parsePort, 8233)
    .option('--data-dir <dir>', 'where the sandbox keeps its database and logs', '.sandbox')
    .option('--fresh', 'start from an empty Temporal database')
    .addHelpText(
      'after',
      `
Stops cleanly on Ctrl-C. Workflows survive a restart (database in <data-dir>/temporal.db) unless --fresh.

Examples:
  $ acs-d365 sandbox
  $ acs-d365 sandbox --port 17233 --ui-port 18233 --fresh`
    )
    .action(async (options: { port: number; uiPort: number; dataDir: string; fresh?: boolean }) => {
      try {
        await runSandbox({
          port: options.port,
          uiPort: options.uiPort,
          dataDir: options.dataDir,
          fresh: options.fresh ?? false,
          print,
          progress: { write: (text) => void process.stdout.write(text), isTty: process.stdout.isTTY },
        });
      } catch (err) {
        throw new CliError(`the sandbox could not run: ${(err as Error).message}`);
      }
    });
}
