import { type MetricTags } from '@temporalio/common';
import { metricMeter, workflowInfo } from '@temporalio/workflow';
import { recordTotals } from '../sync/record-totals';
import type { VerifyResult } from '../sync/verify';
import { FlowKey, MappingKey } from './search-attributes';

/*
 * The flows' own Prometheus series, emitted through the SDK's workflow metric meter: never on replay, so each pass is
 * counted once however often its history is replayed. The SDK adds `namespace`, `taskQueue` and `workflowType`.
 * Labels carry configuration names and outcomes only, never record values. The meter throws on a negative value (a
 * failed workflow task): every value here is a count, a time or a duration clamped at zero.
 */

/** `flow` (and `mapping` for ingress), from the workflow's search attributes. */
function flowTags(): MetricTags {
  const attributes = workflowInfo().typedSearchAttributes;
  const mapping = attributes.get(MappingKey);
  return { flow: attributes.get(FlowKey) ?? 'unknown', ...(mapping ? { mapping } : {}) };
}

const nowSeconds = (): number => Date.now() / 1000;

/**
 * A pass, transfer or re-drive ended: its outcome, duration and records. `alreadyCounted`: the counts an earlier
 * attempt reported (a resumed transfer starts from its checkpoint's).
 */
export function recordPassMetrics(
  outcome: 'succeeded' | 'partial' | 'failed',
  counts: Readonly<Record<string, number | undefined>> | undefined,
  alreadyCounted?: Readonly<Record<string, number | undefined>>
): void {
  const flow = flowTags();
  const tags = { ...flow, outcome };
  const seconds = Math.max(Date.now() - workflowInfo().runStartTime.getTime(), 0) / 1000;
  metricMeter.createCounter('acs_passes', undefined, 'Passes, transfers and re-drives ended, by outcome').add(1, tags);
  metricMeter
    .createHistogram('acs_pass_duration_seconds', 'float', undefined, 'How long a pass ran, by outcome')
    .record(seconds, tags);
  metricMeter
    .createGauge('acs_pass_last_end_timestamp_seconds', 'float', undefined, 'When a pass with this outcome last ended')
    .set(nowSeconds(), tags);
  const totals = recordTotals(counts, alreadyCounted);
  metricMeter
    .createCounter('acs_records_read', undefined, 'Records read from the source system')
    .add(totals.read, flow);
  metricMeter
    .createCounter(
      'acs_records_written',
      undefined,
      'Records created, updated, deleted or applied in the target system'
    )
    .add(totals.written, flow);
  metricMeter
    .createCounter('acs_records_rejected', undefined, 'Records rejected (listed in a rejects report)')
    .add(totals.rejected, flow);
}

/** When the flow's cursor last moved (epoch milliseconds): alerts compare its age with the flow's interval. */
export function recordCursorAt(epochMs: number): void {
  metricMeter
    .createGauge('acs_cursor_timestamp_seconds', 'float', undefined, "When the flow's cursor last moved")
    .set(epochMs / 1000, flowTags());
}

/** The flow's interval between passes, as the configuration says it now. */
export function recordFlowInterval(everyMs: number): void {
  metricMeter
    .createGauge('acs_flow_interval_seconds', 'float', undefined, 'The configured interval between passes')
    .set(everyMs / 1000, flowTags());
}

/**
 * A verify ended: drifted records per verified scope, with when that scope was verified (with several workers, the
 * alert reads the drift of the latest verify), and when a verify with this outcome last ended.
 */
export function recordVerifyMetrics(result: VerifyResult): void {
  const drift = metricMeter.createGauge(
    'acs_verify_drift_records',
    'int',
    undefined,
    'Records that differ between D365 and Campaign at the last verify, per scope'
  );
  const verifiedAt = metricMeter.createGauge(
    'acs_verify_scope_end_timestamp_seconds',
    'float',
    undefined,
    'When the scope was last verified'
  );
  for (const scope of result.scopes) {
    if (scope.error !== undefined) continue;
    const tags = { scope: scope.scope };
    drift.set(
      Object.values(scope.drift).reduce((sum, count) => sum + count, 0),
      tags
    );
    verifiedAt.set(nowSeconds(), tags);
  }
  metricMeter
    .createGauge(
      'acs_verify_last_end_timestamp_seconds',
      'float',
      undefined,
      'When a verify with this outcome last ended'
    )
    .set(nowSeconds(), { outcome: result.outcome });
}
