import { type Command } from 'commander';
import { createLogger } from '../../logging/logger';
import { runDoctorChecks } from '../doctor-checks';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { ExitCode } from '../errors';
import { print } from '../output';
import { doctorReportSchema } from '../report-schemas';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check every system the worker needs, one line each: Temporal (connection, namespace, search attributes, a ' +
        'polling worker), the secrets, the D365 token and WhoAmI, the Campaign IMS token, the SFTP login with its ' +
        'pinned host key, and the SFTP folders the configuration uses.'
    )
    .option('-c, --config <file>', 'configuration file (default: $ACS_D365_CONFIG)')
    .option('--json', 'print the result as JSON: { ok, checks: [{ check, ok, message }] }')
    .addHelpText(
      'after',
      `
Run it where the worker runs (it needs the same secrets in its environment). Exit code: 0 when every check passes,
1 when one fails, 2 on a usage error.

Examples:
  $ acs-d365 doctor --config acs-d365.yaml
  $ acs-d365 doctor --json | jq '.checks[] | select(.ok | not)'`
    )
    .action(async (options: { config?: string; json?: boolean }) => {
      const file = configPathFrom(options.config);
      const config = await loadConfigOrExit(file);
      const checks = await runDoctorChecks(
        file,
        config,
        createLogger({ level: process.env.LOG_LEVEL ?? 'silent', bindings: { component: 'doctor' } })
      );
      const report = { ok: checks.every((check) => check.ok), checks };
      if (options.json) print(JSON.stringify(doctorReportSchema.parse(report), null, 2));
      else for (const check of checks) print(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.check}: ${check.message}`);
      if (!report.ok) process.exitCode = ExitCode.failure;
    });
}
