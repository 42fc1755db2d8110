import { type Command } from 'commander';
import { MissingSecretsError } from '../../config/secrets';
import { runWorker } from '../../worker';
import { WorkerFailedError } from '../../worker-shutdown';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { CliError, ExitCode } from '../errors';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run the worker: it executes every flow the configuration enables, until Ctrl-C or SIGTERM.')
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
    .addHelpText(
      'after',
      `
Temporal connection: the file's "temporal" block; TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE
override it. Secrets come from the environment variables the file names (or <NAME>_FILE).
Logs: JSON lines on stderr (LOG_FORMAT=pretty for a terminal, LOG_LEVEL=debug for more).

Examples:
  $ D365_CLIENT_SECRET=... CAMPAIGN_CLIENT_SECRET=... CAMPAIGN_SFTP_KEY_FILE=~/.ssh/campaign acs-d365 worker -c acs-d365.yaml
  $ TEMPORAL_ADDRESS=my-ns.a1b2c.tmprl.cloud:7233 TEMPORAL_NAMESPACE=my-ns.a1b2c acs-d365 worker -c acs-d365.yaml`
    )
    .action(async (options: { config?: string }) => {
      const config = await loadConfigOrExit(configPathFrom(options.config));
      try {
        await runWorker({ config });
      } catch (err) {
        if (err instanceof MissingSecretsError) throw new CliError(err.message);
        if (err instanceof WorkerFailedError) {
          // Activities may still hold connections and keep the process alive: end it now, as the SDK asks.
          process.stderr.write(`error: the worker stopped: ${err.message}\n`);
          process.exit(ExitCode.failure);
        }
        throw new CliError(`the worker stopped: ${(err as Error).message}`);
      }
    });
}
