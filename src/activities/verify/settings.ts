import { ApplicationFailure } from '@temporalio/activity';
import { durationToMs } from '../../config/duration';
import { type Config } from '../../config/schema';
import { type VerifyScope, verifyScopes } from '../../sync/verify';
import { CONFIG_ERROR } from '../../sync/failure-types';

/** What the verify manager runs: how often, its quiet period, and every configured scope. */
export interface VerifySettings {
  everyMs: number;
  quietMs: number;
  scopes: VerifyScope[];
}

/** The `verify` block of the worker's configuration; a non-retryable failure when there is none. */
export function verifySettings(config: Config): VerifySettings {
  if (!config.verify) {
    throw ApplicationFailure.nonRetryable(
      "the worker's configuration has no verify block; add verify.every, or stop this flow",
      CONFIG_ERROR
    );
  }
  return {
    everyMs: durationToMs(config.verify.every),
    quietMs: config.verify.quiet ? durationToMs(config.verify.quiet) : defaultQuietMs(config),
    scopes: verifyScopes(config),
  };
}

/**
 * The quiet period when none is given: the longest interval of the flows verify checks (ingress mappings, opt-out).
 * A change younger than that may not have had its pass yet; egress writes nothing verify compares by time.
 */
export function defaultQuietMs(config: Config): number {
  const intervals = [
    ...config.ingress.map((mapping) => mapping.every),
    ...(config.optOut && config.optOut.mode !== 'disabled' ? [config.optOut.every] : []),
  ];
  return Math.max(0, ...intervals.map(durationToMs));
}
