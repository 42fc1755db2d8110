import { ApplicationFailure } from '@temporalio/activity';
import { durationToMs } from '../config/duration';
import { type Config } from '../config/schema';
import { type OptOutMode } from '../sync/optout/decide';
import { CONFIG_ERROR } from '../sync/failure-types';

export interface LoadFlowSettingsInput {
  flow: 'egress' | 'optout';
}

/** How often a flow runs and in which mode, from the worker's configuration. */
export interface FlowSettings {
  everyMs: number;
  /** Opt-out mode; absent for egress. */
  mode?: OptOutMode;
  /** Egress: event files applied at once. Absent for opt-out, which applies its files one at a time, in order. */
  filesInParallel?: number;
}

export function loadFlowSettingsActivity(config: Config) {
  return function loadFlowSettings(input: LoadFlowSettingsInput): Promise<FlowSettings> {
    const block = input.flow === 'egress' ? config.egress : config.optOut;
    if (!block) {
      throw ApplicationFailure.nonRetryable(
        `the worker's configuration has no ${input.flow === 'egress' ? 'egress' : 'optOut'} block; add it, or stop this flow`,
        CONFIG_ERROR
      );
    }
    return Promise.resolve({
      everyMs: durationToMs(block.every),
      ...('mode' in block ? { mode: block.mode } : {}),
      ...('filesInParallel' in block ? { filesInParallel: block.filesInParallel } : {}),
    });
  };
}
