import { checkOptOutAgainstColumns, checkOptOutPairs } from '../../config/optout-rules';
import { type Config } from '../../config/schema';
import { type DynamicsClient } from '../../connectors/dynamics';
import { loadD365Table } from '../ingress/metadata';
import { type PreflightOptOutResult } from './contracts';
import { CONTACT_TABLE } from './settings';

/**
 * Checks the opt-out configuration before a pass: the pairs on their own, then each D365 column against the contact
 * table's metadata (it must exist and be Boolean) and that change tracking is on for contacts. Every problem names
 * its configuration path and says how to fix it.
 */
export async function preflightOptOut(config: Config, dynamics: DynamicsClient): Promise<PreflightOptOutResult> {
  const optOut = config.optOut;
  if (!optOut) {
    return { problems: [{ path: 'optOut', message: 'there is no optOut block; add optOut.mode and optOut.pairs' }] };
  }
  const problems = checkOptOutPairs(optOut);
  if (optOut.mode === 'disabled' || optOut.pairs.length === 0) return { problems };
  const table = await loadD365Table(dynamics, CONTACT_TABLE);
  if (!table) {
    problems.push({
      path: 'optOut.pairs',
      message: 'D365 has no contact table; opt-outs are synchronized on contacts',
    });
    return { problems };
  }
  problems.push(...checkOptOutAgainstColumns(optOut, table.columns));
  if (!table.changeTrackingEnabled && optOut.mode !== 'campaign-to-d365') {
    problems.push({
      path: 'optOut.mode',
      message: `mode ${optOut.mode} reads D365 changes, but change tracking is off for contact; turn on "Track changes" for the Contact table in D365 (Advanced options)`,
    });
  }
  return { problems };
}
