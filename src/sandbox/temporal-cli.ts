import { execFileSync } from 'node:child_process';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Path of the Temporal CLI binary (dev server + Web UI), installed into `.tools/` on first use.
 * The resolution order ($TEMPORAL_CLI, `temporal` on PATH, .tools/venv, .tools/go) lives in one place:
 * scripts/install-temporal.sh.
 */
export function resolveTemporalCli(): string {
  const script = path.join(PROJECT_ROOT, 'scripts', 'install-temporal.sh');
  try {
    return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch {
    throw new Error(
      'No Temporal CLI binary could be found or installed (see the messages above). ' +
        'Install one and set TEMPORAL_CLI=/path/to/temporal.'
    );
  }
}
