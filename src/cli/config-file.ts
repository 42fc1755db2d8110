import { loadConfigFile } from '../config/load';
import { type Config } from '../config/schema';
import { CliError } from './errors';

/** Where a command finds its configuration: --config, else $ACS_D365_CONFIG. */
export function configPathFrom(option: string | undefined): string {
  const file = option ?? process.env.ACS_D365_CONFIG;
  if (!file) throw new CliError('no configuration file: pass --config <file> or set ACS_D365_CONFIG.', 2);
  return file;
}

/** Loads a configuration file or fails with every problem listed. */
export async function loadConfigOrExit(file: string): Promise<Config> {
  const result = await loadConfigFile(file);
  if (result.ok) return result.config;
  const lines = result.problems.map((problem) => `  ${problem.path}: ${problem.message}`).join('\n');
  throw new CliError(`${file} is not valid (check it with: acs-d365 config validate ${file}):\n${lines}`);
}
