import { writeFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { CodecKeyError, loadKeyring } from '../../temporal/codec';
import { chunkRowsNotes } from '../../config/chunk-rows';
import { loadConfigFile } from '../../config/load';
import { configJsonSchema } from '../../config/json-schema';
import { MissingSecretsError, readSecrets } from '../../config/secrets';
import { type Config } from '../../config/schema';
import { CliError } from '../errors';
import { checkAgainstSystems } from '../remote-checks';
import { createLogger } from '../../logging/logger';
import { print } from '../output';

export function registerConfigCommand(program: Command): void {
  const config = program
    .command('config')
    .description('Check configuration files and export their JSON Schema.')
    .addHelpText(
      'after',
      `
Start from config/example.yaml; every key is explained there and in docs/configuration.md.

Examples:
  $ acs-d365 config validate acs-d365.yaml
  $ acs-d365 config schema --output acs-d365.schema.json`
    );

  config
    .command('validate')
    .description('Check a configuration file and report every problem with its path and reason.')
    .argument('<file>', 'the YAML configuration file')
    .option('--check-env', 'also check that every secret the file names is set in this environment')
    .option(
      '--remote',
      'also check the mappings and opt-out pairs against D365 and Campaign metadata (needs the secrets; fails when a system cannot be reached or refuses the credentials)'
    )
    .option('--json', 'print the result as JSON: { valid, problems: [{ path, message }], notes: [{ path, message }] }')
    .addHelpText(
      'after',
      `
Exit code: 0 when valid, 1 when the file has problems (with --remote: also when D365 or Campaign cannot be reached or
refuses the credentials). acs-d365 doctor checks the connections themselves, one line each.

Examples:
  $ acs-d365 config validate acs-d365.yaml
  $ acs-d365 config validate acs-d365.yaml --check-env      (run where the worker runs)
  $ acs-d365 config validate acs-d365.yaml --remote         (columns, fields, types, change tracking)`
    )
    .action(async (file: string, options: { checkEnv?: boolean; remote?: boolean; json?: boolean }) => {
      const result = await loadConfigFile(file);
      let problems = result.ok ? [] : result.problems;
      if (result.ok && (options.checkEnv || options.remote)) problems = secretProblems(result.config);
      if (result.ok && options.remote && problems.length === 0) {
        const remote = await checkAgainstSystems(
          result.config,
          readSecrets(result.config),
          createLogger({ level: 'error', bindings: { component: 'config' } })
        );
        // A system that cannot be reached, or refuses the credentials, fails the validation: nothing was checked.
        problems = remote.skipped
          ? [
              ...remote.problems,
              { path: 'remote', message: `D365 and Campaign could not be checked: ${remote.skipped}` },
            ]
          : remote.problems;
      }
      const notes = result.ok ? chunkRowsNotes(result.config) : [];
      if (options.json) {
        print(JSON.stringify({ valid: problems.length === 0, problems, notes }, null, 2));
      } else if (problems.length === 0 && result.ok) {
        print(`${file} is valid: ${summarize(result.config)}`);
        for (const note of notes) print(`note: ${note.path}: ${note.message}`);
      } else {
        for (const problem of problems) process.stderr.write(`${problem.path}: ${problem.message}\n`);
      }
      if (problems.length > 0) {
        throw new CliError(`${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''} found.`);
      }
    });

  config
    .command('schema')
    .description('Print the JSON Schema of the configuration file, for editor completion and checks.')
    .option('-o, --output <file>', 'write it to a file instead of standard output')
    .addHelpText(
      'after',
      `
Examples:
  $ acs-d365 config schema --output acs-d365.schema.json
  Then, first line of your YAML file (VS Code YAML extension):
  # yaml-language-server: $schema=./acs-d365.schema.json`
    )
    .action(async (options: { output?: string }) => {
      const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
      if (options.output) await writeFile(options.output, text);
      else print(text.trimEnd());
    });
}

function secretProblems(config: Config): { path: string; message: string }[] {
  return [...missingSecrets(config), ...encryptionKeyProblems(config)];
}

/** The payload encryption keys, checked as the worker will (set, 32 bytes in base64, current key listed). */
function encryptionKeyProblems(config: Config): { path: string; message: string }[] {
  if (!config.temporal.encryption) return [];
  try {
    loadKeyring(config.temporal.encryption);
    return [];
  } catch (err) {
    if (!(err instanceof CodecKeyError)) throw err;
    return [{ path: 'temporal.encryption', message: err.message }];
  }
}

function missingSecrets(config: Config): { path: string; message: string }[] {
  try {
    readSecrets(config);
    return [];
  } catch (err) {
    if (err instanceof MissingSecretsError) {
      return err.missing.map((entry) => ({
        path: entry.configPath,
        message: `environment variable ${entry.envName} is not set`,
      }));
    }
    throw err;
  }
}

function summarize(config: Config): string {
  const ingress =
    config.ingress.length === 0 ? 'no ingress' : `ingress ${config.ingress.map((m) => m.name).join(', ')}`;
  const egress = config.egress ? 'egress on' : 'egress off';
  return `${ingress}; ${egress}; opt-out ${config.optOut?.mode ?? 'disabled'}`;
}
