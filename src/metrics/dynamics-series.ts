import { type MetricMeter } from '@temporalio/common';
import { type DynamicsLoad } from './dynamics-load';

/** How often the D365 figures are copied into the metrics: finer than any scrape interval worth having. */
const SAMPLE_EVERY_MS = 2_000;

/**
 * Copies the D365 client's figures into Prometheus series every few seconds: requests in flight (a gauge), 429 answers
 * and the seconds of `Retry-After` they asked for (counters, which exist at zero from the start so that alerts and
 * dashboards find them). @returns a function that stops the sampling (after one last sample).
 */
export function startDynamicsSeries(meter: MetricMeter, read: () => DynamicsLoad): () => void {
  const inFlight = meter.createGauge('acs_d365_requests_in_flight', 'int', undefined, 'D365 requests in flight now');
  const throttled = meter.createCounter('acs_d365_throttled', undefined, 'D365 429 (service protection) answers');
  const penalty = meter.createCounter(
    'acs_d365_penalty_seconds',
    undefined,
    'Seconds D365 asked the worker to wait (Retry-After of its 429 answers)'
  );
  // Counters take whole numbers: the seconds are added as they complete, the rest carried to the next sample.
  let counted = { throttled: 0, penaltySeconds: 0 };
  const sample = (): void => {
    const load = read();
    const penaltySeconds = Math.floor(load.penaltyMs / 1000);
    inFlight.set(load.inFlight);
    // Never negative (a counter only goes up, and the meter throws): figures that start again count from there.
    throttled.add(Math.max(load.throttled - counted.throttled, 0));
    penalty.add(Math.max(penaltySeconds - counted.penaltySeconds, 0));
    counted = { throttled: load.throttled, penaltySeconds };
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
  };
}
