import { campaignApiField } from '../sync/optout/attributes';
import { type Config } from './schema';

/** The opt-out block of a validated configuration. */
export type OptOutConfig = NonNullable<Config['optOut']>;

/** One problem, named by its configuration path (as `config validate` prints them). */
export interface OptOutProblem {
  path: string;
  message: string;
}

/** What the checks need to know of one D365 contact column (`AttributeType` from `EntityDefinitions`). */
export interface ContactColumn {
  logicalName: string;
  type: string;
}

/**
 * Checks the opt-out pairs on their own (no D365 needed): a flow that is on needs pairs, and neither a Campaign
 * attribute nor a D365 column may appear twice (two pairs on one side would overwrite each other on every pass).
 */
export function checkOptOutPairs(optOut: OptOutConfig): OptOutProblem[] {
  const problems: OptOutProblem[] = [];
  if (optOut.mode !== 'disabled' && optOut.pairs.length === 0) {
    problems.push({
      path: 'optOut.pairs',
      message: `mode ${optOut.mode} needs at least one pair, e.g. { campaign: denyListEmail, dynamics: donotemail }; or set mode: disabled`,
    });
  }
  const seenCampaign = new Map<string, number>();
  const seenDynamics = new Map<string, number>();
  optOut.pairs.forEach((pair, index) => {
    const campaignFirst = seenCampaign.get(pair.campaign);
    if (campaignFirst !== undefined) {
      problems.push({
        path: `optOut.pairs[${index}].campaign`,
        message: `${pair.campaign} is already paired in optOut.pairs[${campaignFirst}]; each Campaign attribute may be paired once`,
      });
    } else seenCampaign.set(pair.campaign, index);
    const dynamicsFirst = seenDynamics.get(pair.dynamics);
    if (dynamicsFirst !== undefined) {
      problems.push({
        path: `optOut.pairs[${index}].dynamics`,
        message: `${pair.dynamics} is already paired in optOut.pairs[${dynamicsFirst}]; each D365 column may be paired once`,
      });
    } else seenDynamics.set(pair.dynamics, index);
  });
  return problems;
}

/**
 * Checks each pair's D365 column against the contact table's columns (from D365 metadata): it must exist and be
 * `Boolean` (Yes/No), as the `donot*` columns are. Call it with `loadD365Table(client, 'contact').columns` when D365
 * is reachable.
 */
export function checkOptOutAgainstColumns(optOut: OptOutConfig, columns: readonly ContactColumn[]): OptOutProblem[] {
  const byName = new Map(columns.map((column) => [column.logicalName, column]));
  const problems: OptOutProblem[] = [];
  optOut.pairs.forEach((pair, index) => {
    const path = `optOut.pairs[${index}].dynamics`;
    const column = byName.get(pair.dynamics);
    if (!column) {
      const booleans = columns
        .filter((candidate) => candidate.type === 'Boolean' && candidate.logicalName.startsWith('donot'))
        .map((candidate) => candidate.logicalName)
        .sort();
      problems.push({
        path,
        message: `the D365 contact table has no column ${pair.dynamics}; use the column's logical name (lowercase)${
          booleans.length > 0 ? `, e.g. one of ${booleans.join(', ')}` : ''
        }`,
      });
    } else if (column.type !== 'Boolean') {
      problems.push({
        path,
        message: `the D365 column contact.${pair.dynamics} is of type ${column.type}; an opt-out needs a Boolean (Yes/No) column such as donotemail`,
      });
    }
  });
  return problems;
}

/** Modes in which the opt-out flow copies Campaign's opt-out attributes to D365. */
const COPIES_TO_D365: ReadonlySet<string> = new Set(['campaign-to-d365', 'bidirectional']);

/**
 * An ingress mapping must not write a Campaign opt-out attribute (by its API name `blackList*` or its UI name
 * `denyList*`) that the opt-out flow copies the other way: each D365 change would overwrite Campaign's value through
 * ingress, and each Campaign change would go back to D365 through the opt-out flow, so the two flows would fight.
 */
export function checkIngressOptOutFields(config: Config): OptOutProblem[] {
  const optOut = config.optOut;
  if (!optOut || !COPIES_TO_D365.has(optOut.mode)) return [];
  const problems: OptOutProblem[] = [];
  config.ingress.forEach((mapping, index) => {
    if (mapping.to !== 'profile') return;
    mapping.fields.forEach((field, fieldIndex) => {
      const pairIndex = optOut.pairs.findIndex(
        (pair) => field.to === pair.campaign || field.to === campaignApiField(pair.campaign)
      );
      const pair = optOut.pairs[pairIndex];
      if (!pair) return;
      problems.push({
        path: `ingress[${index}].fields[${fieldIndex}].to`,
        message: `${field.to} is the Campaign opt-out attribute ${pair.campaign}, which the opt-out flow copies to D365 (optOut.pairs[${pairIndex}], mode ${optOut.mode}); remove this field and let the opt-out flow sync it, or set optOut.mode to d365-to-campaign`,
      });
    });
  });
  return problems;
}
