import { type Command, InvalidArgumentError, Option } from 'commander';
import { createWorkerResources } from '../../activities';
import { createPlanCache } from '../../activities/ingress';
import { createVerifyActivities } from '../../activities/verify';
import { runRepair, runVerify } from '../../activities/verify/run';
import { defaultQuietMs } from '../../activities/verify/settings';
import { durationToMs, isDuration } from '../../config/duration';
import { MissingSecretsError, readSecrets } from '../../config/secrets';
import { type Config } from '../../config/schema';
import { createLogger } from '../../logging/logger';
import { scopeName, selectScopes, verifyIdAt, type VerifyResult, verifyScopes } from '../../sync/verify';
import { verifyWorkflow, type VerifyWorkflowInput, type VerifyWorkflowResult } from '../../workflows/verify/workflow';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { CliError, ExitCode } from '../errors';
import { withFlowCursors } from '../flow-cursors';
import { print } from '../output';
import { renderRepairs, renderVerify } from '../render/verify-report';
import { verifyReportSchema } from '../report-schemas';
import { connectClient } from '../temporal-client';

interface VerifyOptions {
  config?: string;
  json?: boolean;
  repair?: boolean;
  inWorker?: boolean;
  quiet?: number;
  only?: string[];
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'Check that D365 and Campaign agree: every ingress mapping (each row there exactly once, mapped fields equal, ' +
        'no orphans), the opt-out pairs (by the mode’s rule) and egress (one activity per event id). Prints the keys ' +
        'of drifted records and the names of the fields that differ, never values.'
    )
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
    .option('--json', 'print the result as JSON')
    .option('--repair', 're-drive the drifted keys through the flows’ write paths, then verify again')
    .option('--in-worker', 'run as the workflow verify:<time> on the worker (visible in the Web UI) and wait for it')
    .addOption(
      new Option(
        '--quiet <duration>',
        'records their flow reads changed this long before verify started count as pending, not drift (0s: none)'
      )
        .argParser(parseQuiet)
        .default(undefined, 'the longest every of the flows')
    )
    .option('--only <scopes...>', 'verify only these: ingress:<mapping>, optout, egress')
    .addHelpText(
      'after',
      `
Exit code: 0 the systems agree, 3 drift found, 1 could not verify (a system not reachable, a mapping that does not
resolve), 2 usage error. Records changed while verify runs are re-checked and counted apart, never as drift.
Without --in-worker, verify runs in this process with the secrets from this environment (as the worker would).
Every drifted key is listed in <reports.folder>/verify/<verify id>/<scope>.csv; the output shows 100 per category.

Examples:
  $ acs-d365 verify --config acs-d365.yaml
  $ acs-d365 verify --only ingress:contacts --json
  $ acs-d365 verify --quiet 15m                 while the flows run: leave the last 15 minutes' changes to them
  $ acs-d365 verify --repair                    re-drive what drifted, then verify again
  $ acs-d365 verify --in-worker --repair        the same, as a workflow the Web UI shows`
    )
    .action(async (options: VerifyOptions) => {
      const file = configPathFrom(options.config);
      const config = await loadConfigOrExit(file);
      const selected = selectScopes(verifyScopes(config), options.only);
      if (selected.unknown.length > 0) {
        const known = verifyScopes(config).map(scopeName).join(', ');
        throw new CliError(`no scope ${selected.unknown.join(', ')}; the configuration has: ${known}`, ExitCode.usage);
      }
      const cursors = await withFlowCursors(file, config.temporal.deployment, selected.scopes);
      if (cursors.note)
        process.stderr.write(`verify: ${cursors.note}; changes the flows have not applied yet may show as drift\n`);
      const startedAt = new Date();
      const input: VerifyWorkflowInput = {
        verifyId: verifyIdAt(startedAt),
        quietMs: options.quiet ?? defaultQuietMs(config),
        scopes: cursors.scopes,
        repair: options.repair === true,
      };
      const result = options.inWorker ? await inWorker(file, input) : await inProcess(config, input, startedAt);
      if (options.json) print(JSON.stringify(verifyReportSchema.parse(result), null, 2));
      else {
        for (const line of renderVerify(result.verify)) print(line);
        if (result.repairs) for (const line of renderRepairs(result.repairs)) print(line);
        if (result.afterRepair) for (const line of renderVerify(result.afterRepair, 'after repair:')) print(line);
      }
      process.exitCode = exitCodeOf(result.afterRepair ?? result.verify);
    });
}

function exitCodeOf(result: VerifyResult): number {
  return result.outcome === 'agree' ? ExitCode.ok : result.outcome === 'drift' ? ExitCode.drift : ExitCode.failure;
}

async function inProcess(config: Config, input: VerifyWorkflowInput, startedAt: Date): Promise<VerifyWorkflowResult> {
  let secrets;
  try {
    secrets = readSecrets(config);
  } catch (err) {
    if (err instanceof MissingSecretsError) throw new CliError(err.message);
    throw err;
  }
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'error', bindings: { component: 'verify' } });
  const resources = createWorkerResources(config, secrets, logger);
  try {
    const activities = createVerifyActivities(resources, createPlanCache(resources));
    const run = { verifyId: input.verifyId, startedAt, quietMs: input.quietMs, scopes: input.scopes };
    const verify = await runVerify(activities, run);
    if (!input.repair || verify.outcome !== 'drift') return { verify };
    const repairs = await runRepair(activities, verify);
    const again = new Date();
    const afterRepair = await runVerify(activities, {
      ...run,
      verifyId: `${input.verifyId}-after-repair`,
      startedAt: again,
    });
    return { verify, repairs, afterRepair };
  } finally {
    await resources.close();
  }
}

async function inWorker(configFile: string, input: VerifyWorkflowInput): Promise<VerifyWorkflowResult> {
  const connected = await connectClient(configFile);
  try {
    const workflowId = `verify:${input.verifyId}`;
    process.stderr.write(`verify: running as workflow ${workflowId}…\n`);
    return await connected.client.workflow.execute(verifyWorkflow, {
      workflowId,
      taskQueue: connected.settings.taskQueue,
      args: [input],
      staticSummary: `verify ${input.scopes.map(scopeName).join(', ')}${input.repair ? ' with repair' : ''}`,
    });
  } finally {
    await connected.close();
  }
}

function parseQuiet(value: string): number {
  if (/^0(ms|s|m|h|d)?$/.test(value)) return 0;
  if (!isDuration(value)) throw new InvalidArgumentError('must be a duration like 0s, 30s, 15m or 1h');
  return durationToMs(value);
}
