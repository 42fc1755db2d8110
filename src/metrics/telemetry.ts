import { type TelemetryOptions } from '@temporalio/worker';
import { type Config } from '../config/schema';

/** Buckets of `acs_pass_duration_seconds`: passes take from seconds to hours (an initial transfer). */
const PASS_DURATION_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600];

/**
 * The SDK runtime's telemetry: a Prometheus endpoint at `worker.metricsAddress` (none when absent) serving the SDK's
 * own series (`temporal_*`) and the flows' (`acs_*`). Counters end in `_total`, durations are in seconds.
 */
export function telemetryOptions(worker: Config['worker']): TelemetryOptions | undefined {
  if (!worker.metricsAddress) return undefined;
  return {
    metrics: {
      prometheus: {
        bindAddress: worker.metricsAddress,
        countersTotalSuffix: true,
        useSecondsForDurations: true,
        histogramBucketOverrides: { acs_pass_duration_seconds: PASS_DURATION_BUCKETS },
      },
    },
  };
}
