/** Exit codes of the `acs-d365` command. */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed: bad config, unreachable server, failed flow. */
  failure: 1,
  /** The command line itself was wrong: unknown command or option, missing argument. */
  usage: 2,
  /** `verify`: the two systems disagree (drift found). */
  drift: 3,
  /** `status --check`: a flow failed (its manager closed on a failure, or its last pass or transfer failed). */
  flowFailed: 4,
  /** `status --check`: no worker polls the task queue. */
  noWorker: 5,
  /** `status --check`: a running flow's cursor has not moved for three intervals. */
  staleCursor: 6,
} as const;

/** An error whose message is written as-is for the user (no stack trace), with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure
  ) {
    super(message);
    this.name = 'CliError';
  }
}
