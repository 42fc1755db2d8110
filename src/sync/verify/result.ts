import { DRIFT_CATEGORIES, type DriftCategory, type DriftedKey } from './categories';

export type DriftCounts = Record<DriftCategory, number>;

/**
 * What verify found in one scope (`ingress:<mapping>`, `optout` or `egress`): counts, and the drifted keys capped per
 * category (workflow history has a size limit); the full list is in the report file.
 */
export interface VerifyScopeResult {
  scope: string;
  /** What was read and what agreed, e.g. `d365Rows`, `campaignRecords`, `agree`, `changed`, `pending`. */
  counts: Record<string, number>;
  drift: DriftCounts;
  /** Up to the cap per category. */
  keys: DriftedKey[];
  /** True when `keys` leaves some out. */
  truncated: boolean;
  /** The full list of drifted keys (CSV), when there were any. */
  report?: string;
  /** Why this scope could not be verified (a system not reachable, a mapping that does not resolve). */
  error?: string;
}

export interface VerifyResult {
  verifyId: string;
  startedAt: string;
  finishedAt: string;
  /** `agree`: no drift anywhere; `drift`: some; `unverified`: a scope could not be verified (and none drifted). */
  outcome: 'agree' | 'drift' | 'unverified';
  scopes: VerifyScopeResult[];
}

export function emptyDrift(): DriftCounts {
  return Object.fromEntries(DRIFT_CATEGORIES.map((category) => [category, 0])) as DriftCounts;
}

/** The first `cap` keys of each category, and whether any were left out. */
export function capKeys(keys: readonly DriftedKey[], cap: number): { keys: DriftedKey[]; truncated: boolean } {
  const taken = new Map<DriftCategory, number>();
  const kept: DriftedKey[] = [];
  for (const key of keys) {
    const count = taken.get(key.category) ?? 0;
    if (count < cap) kept.push(key);
    taken.set(key.category, count + 1);
  }
  return { keys: kept, truncated: kept.length < keys.length };
}

/** Drift wins over a scope that could not be verified: drift found is drift, whatever else could not be checked. */
export function verdictOf(scopes: readonly VerifyScopeResult[]): VerifyResult['outcome'] {
  if (scopes.some((scope) => Object.values(scope.drift).some((count) => count > 0))) return 'drift';
  if (scopes.some((scope) => scope.error !== undefined)) return 'unverified';
  return 'agree';
}

/** What `--repair` re-drives: the drifted ingress mappings, then the opt-out pairs. */
export interface RepairPlan {
  mappings: string[];
  /** Opt-out drift, or profiles the ingress repair creates (their pairs start at Campaign's defaults). */
  optOut: boolean;
}

/** The repairs a verify calls for, in the order they must run (ingress first: it creates missing profiles). */
export function repairPlan(result: VerifyResult): RepairPlan {
  const drifted = (scope: VerifyScopeResult) => Object.values(scope.drift).some((count) => count > 0);
  const optout = result.scopes.find((scope) => scope.scope === 'optout' && scope.error === undefined);
  const mappings = result.scopes.filter((scope) => scope.scope.startsWith('ingress:') && drifted(scope));
  return {
    mappings: mappings.map((scope) => scope.scope.slice('ingress:'.length)),
    optOut: optout !== undefined && (drifted(optout) || mappings.some((scope) => scope.drift.missing > 0)),
  };
}
