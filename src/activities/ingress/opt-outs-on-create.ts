import { type Config, type IngressMapping } from '../../config/schema';
import { type AcsFields } from '../../connectors/campaign';
import { type Row } from '../../connectors/dynamics';
import { campaignApiField } from '../../sync/optout';

/** A D365 opt-out column and the Campaign attribute a new profile gets from it. */
export interface OptOutOnCreate {
  column: string;
  /** Campaign REST name, e.g. `blackListEmail`. */
  apiField: string;
}

/** Modes in which the opt-out flow copies D365's opt-outs to Campaign. */
const COPIES_TO_CAMPAIGN: ReadonlySet<string> = new Set(['d365-to-campaign', 'bidirectional']);

/**
 * The opt-out pairs the contact mapping sets on the profiles it creates, when the opt-out flow copies D365 to
 * Campaign: a contact that opted out (a web form's "do not email") is opted out in Campaign from its profile's first
 * moment, not only after the next opt-out pass. Only columns D365 has (the opt-out preflight reports the others).
 */
export function optOutsOnCreate(
  config: Config,
  mapping: IngressMapping,
  columns: readonly { logicalName: string }[]
): OptOutOnCreate[] {
  const optOut = config.optOut;
  if (!optOut || !COPIES_TO_CAMPAIGN.has(optOut.mode) || mapping.from !== 'contact' || mapping.to !== 'profile') {
    return [];
  }
  const known = new Set(columns.map((column) => column.logicalName));
  return optOut.pairs
    .filter((pair) => known.has(pair.dynamics))
    .map((pair) => ({ column: pair.dynamics, apiField: campaignApiField(pair.campaign) }));
}

/**
 * The fields of a new profile, with each opt-out the contact has set (true). A false is Campaign's default and is not
 * written. Updates never carry these: after creation, the opt-out flow and its rule own the attributes.
 */
export function withOptOuts(fields: AcsFields, row: Row, optOuts: readonly OptOutOnCreate[]): AcsFields {
  const set = optOuts.filter((optOut) => row[optOut.column] === true);
  return set.length === 0 ? fields : { ...fields, ...Object.fromEntries(set.map((optOut) => [optOut.apiField, true])) };
}
