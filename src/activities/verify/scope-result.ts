import { capKeys, type DriftedKey, emptyDrift, type VerifyScopeResult } from '../../sync/verify';
import { type VerifyReport } from './report-file';

/** Drifted keys per category kept in a result (workflow history); the report file has them all. */
export const KEYS_PER_CATEGORY = 100;

/** A scope's result from its counts and drifted keys; writes the keys to the report. */
export async function scopeResult(
  scope: string,
  counts: Record<string, number>,
  drifted: readonly DriftedKey[],
  report: VerifyReport
): Promise<VerifyScopeResult> {
  const drift = emptyDrift();
  for (const key of drifted) drift[key.category] += 1;
  await report.append(drifted);
  const capped = capKeys(drifted, KEYS_PER_CATEGORY);
  return {
    scope,
    counts,
    drift,
    keys: capped.keys,
    truncated: capped.truncated,
    ...(drifted.length > 0 ? { report: report.file } : {}),
  };
}

/** Progress a verify activity heartbeats: the step and how many rows or records it has done (never a record). */
export interface VerifyProgress {
  step: string;
  done: number;
}
