import { type RepairResult } from '../../activities/verify';
import { type VerifyResult, type VerifyScopeResult } from '../../sync/verify';

const OUTCOME_TEXT = {
  agree: 'D365 and Campaign agree',
  drift: 'drift found',
  unverified: 'could not verify everything',
} as const;

/** A verify for a terminal: per scope its counts, its drift per category and the drifted keys (never values). */
export function renderVerify(result: VerifyResult, title = 'verify'): string[] {
  const lines = [`${title} ${result.verifyId}: ${OUTCOME_TEXT[result.outcome]}`];
  for (const scope of result.scopes) lines.push(...renderScope(scope));
  return lines;
}

function renderScope(scope: VerifyScopeResult): string[] {
  if (scope.error !== undefined) return [`  ${scope.scope}: not verified: ${scope.error}`];
  const counts = Object.entries(scope.counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const drift = Object.entries(scope.drift).filter(([, count]) => count > 0);
  const lines = [
    `  ${scope.scope}: ${drift.length === 0 ? 'in agreement' : `drift: ${drift.map(([name, count]) => `${name} ${count}`).join(', ')}`}`,
    `    ${counts}`,
  ];
  for (const key of scope.keys) {
    lines.push(`    ${key.category.padEnd(11)} ${key.key}${key.fields?.length ? `  ${key.fields.join(', ')}` : ''}`);
  }
  if (scope.truncated) lines.push(`    … more keys in the report`);
  if (scope.report) lines.push(`    every drifted key: ${scope.report}`);
  return lines;
}

export function renderRepairs(repairs: readonly RepairResult[]): string[] {
  if (repairs.length === 0)
    return ['repair: nothing to re-drive (duplicates and egress drift are left to the operator)'];
  return repairs.map((repair) => {
    const counts = Object.entries(repair.counts)
      .filter(([, count]) => count > 0)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    const left = repair.leftAlone > 0 ? `; ${repair.leftAlone} duplicate keys left for you to resolve` : '';
    const report = repair.report ? `; see ${repair.report} under reports.folder` : '';
    return `repair ${repair.scope}: ${repair.keys} keys re-driven (${counts || 'no writes'})${left}${report}`;
  });
}
