import { CommanderError } from 'commander';
import { buildProgram } from './program';
import { CliError, ExitCode } from './errors';

/** Commander's own errors that are not usage mistakes (help and version output). */
const NON_USAGE_CODES = new Set([
  'commander.helpDisplayed',
  'commander.help',
  'commander.version',
  'commander.executeSubCommandAsync',
]);

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  program.commands.forEach(function applyExitOverride(command): void {
    command.exitOverride();
    command.commands.forEach(applyExitOverride);
  });
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? ExitCode.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      return NON_USAGE_CODES.has(err.code) ? err.exitCode : ExitCode.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.failure;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fatal: ${String(err)}\n`);
    process.exitCode = ExitCode.failure;
  }
);
