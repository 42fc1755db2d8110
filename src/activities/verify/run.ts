import {
  emptyDrift,
  repairPlan,
  scopeName,
  verdictOf,
  type VerifyResult,
  type VerifyScope,
  type VerifyScopeResult,
} from '../../sync/verify';
import { type RepairResult, type VerifyActivities } from '.';

export interface VerifyRun {
  verifyId: string;
  startedAt: Date;
  quietMs: number;
  scopes: readonly VerifyScope[];
}

/**
 * Verifies every scope, one after the other (one scope's keys in memory at a time), in this process: what
 * `acs-d365 verify` runs without `--in-worker`. A scope that cannot be verified is reported with its reason, the
 * others still run.
 */
export async function runVerify(activities: VerifyActivities, run: VerifyRun): Promise<VerifyResult> {
  const call = { verifyId: run.verifyId, timing: { startedAtMs: run.startedAt.getTime(), quietMs: run.quietMs } };
  const results: VerifyScopeResult[] = [];
  for (const scope of run.scopes) {
    try {
      results.push(
        scope.kind === 'ingress'
          ? await activities.verifyIngress({ ...call, ...ingressScopeInput(scope) })
          : scope.kind === 'optout'
            ? await activities.verifyOptOut(call)
            : await activities.verifyEgress(call)
      );
    } catch (error) {
      results.push(unverified(scopeName(scope), error instanceof Error ? error.message : String(error)));
    }
  }
  return {
    verifyId: run.verifyId,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: verdictOf(results),
    scopes: results,
  };
}

/** Re-drives the drifted keys of each drifted scope that has a repair (duplicates are the operator's to resolve). */
export async function runRepair(activities: VerifyActivities, result: VerifyResult): Promise<RepairResult[]> {
  const plan = repairPlan(result);
  const repairs: RepairResult[] = [];
  for (const mapping of plan.mappings)
    repairs.push(await activities.repairIngress({ verifyId: result.verifyId, mapping }));
  if (plan.optOut) repairs.push(await activities.repairOptOut({ verifyId: result.verifyId }));
  return repairs;
}

export function unverified(scope: string, reason: string): VerifyScopeResult {
  return { scope, counts: {}, drift: emptyDrift(), keys: [], truncated: false, error: reason };
}

/** What an ingress scope's activity takes besides the call: the mapping and, when known, the flow's cursor. */
export function ingressScopeInput(scope: { mapping: string; unappliedSince?: string; waitingKeys?: string[] }): {
  mapping: string;
  unappliedSince?: string;
  waitingKeys?: string[];
} {
  return {
    mapping: scope.mapping,
    ...(scope.unappliedSince ? { unappliedSince: scope.unappliedSince } : {}),
    ...(scope.waitingKeys ? { waitingKeys: scope.waitingKeys } : {}),
  };
}
