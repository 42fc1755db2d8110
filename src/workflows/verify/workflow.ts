import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../../activities';
import type { RepairResult } from '../../activities/verify';
import {
  scopeName,
  verdictOf,
  emptyDrift,
  repairPlan,
  type VerifyResult,
  type VerifyScope,
  type VerifyScopeResult,
} from '../../sync/verify';
import { recordVerifyMetrics } from '../metrics';
import { CONFIG_ERROR } from '../../sync/failure-types';

type Activities = ReturnType<typeof activities.createActivities>;

export interface VerifyWorkflowInput {
  /** Names the reports folder `<reports.folder>/verify/<verifyId>/`; the workflow id is `verify:<verifyId>`. */
  verifyId: string;
  /** Records changed this long before verify started count as pending, not drift. */
  quietMs: number;
  scopes: VerifyScope[];
  /** Re-drive the drifted keys, then verify again. */
  repair: boolean;
}

export interface VerifyWorkflowResult {
  verify: VerifyResult;
  repairs?: RepairResult[];
  /** The verify that followed the repair. */
  afterRepair?: VerifyResult;
}

/**
 * A whole scope can run for a long time (a million rows read from each side): it heartbeats its progress, and a
 * worker that dies is noticed by the heartbeat timeout; an attempt starts the scope again. A scope that keeps failing
 * (a system not reachable) is reported as not verified, with its reason, after a few attempts.
 */
const scopeCalls = proxyActivities<Activities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5s',
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes: [CONFIG_ERROR],
  },
});

/**
 * `acs-d365 verify --in-worker`: checks that D365 and Campaign agree, scope by scope (each ingress mapping, the
 * opt-out pairs, egress), and with `repair` re-drives the drifted keys through the flows' write paths and checks
 * again. History holds counts and at most 100 keys per category and scope; the full lists are report files.
 */
export async function verifyWorkflow(input: VerifyWorkflowInput): Promise<VerifyWorkflowResult> {
  const verify = await verifyAll(input.verifyId, input);
  if (!input.repair || verify.outcome !== 'drift') return { verify };
  const plan = repairPlan(verify);
  const repairs: RepairResult[] = [];
  for (const mapping of plan.mappings) {
    repairs.push(
      await scopeCalls.repairIngress.executeWithOptions({ summary: `repair ingress:${mapping}` }, [
        { verifyId: input.verifyId, mapping },
      ])
    );
  }
  if (plan.optOut) {
    repairs.push(
      await scopeCalls.repairOptOut.executeWithOptions({ summary: 'repair optout' }, [{ verifyId: input.verifyId }])
    );
  }
  const afterRepair = await verifyAll(`${input.verifyId}-after-repair`, input);
  return { verify, repairs, afterRepair };
}

async function verifyAll(verifyId: string, input: VerifyWorkflowInput): Promise<VerifyResult> {
  const startedAt = new Date();
  const call = { verifyId, timing: { startedAtMs: startedAt.getTime(), quietMs: input.quietMs } };
  const results: VerifyScopeResult[] = [];
  for (const scope of input.scopes) {
    const options = { summary: `verify ${scopeName(scope)}` };
    try {
      results.push(
        scope.kind === 'ingress'
          ? await scopeCalls.verifyIngress.executeWithOptions(options, [
              {
                ...call,
                mapping: scope.mapping,
                ...(scope.unappliedSince ? { unappliedSince: scope.unappliedSince } : {}),
                ...(scope.waitingKeys ? { waitingKeys: scope.waitingKeys } : {}),
              },
            ])
          : scope.kind === 'optout'
            ? await scopeCalls.verifyOptOut.executeWithOptions(options, [call])
            : await scopeCalls.verifyEgress.executeWithOptions(options, [call])
      );
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const cause = error.cause?.message ?? error.message;
      results.push({
        scope: scopeName(scope),
        counts: {},
        drift: emptyDrift(),
        keys: [],
        truncated: false,
        error: cause,
      });
    }
  }
  const result: VerifyResult = {
    verifyId,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: verdictOf(results),
    scopes: results,
  };
  recordVerifyMetrics(result);
  return result;
}
