import { type Config, type IngressMapping } from '../../config/schema';
import {
  type CampaignClient,
  type KeyDefinition,
  PROFILE_EXTERNAL_ID_KEY,
  type ResourceClient,
} from '../../connectors/campaign';
import { type DynamicsClient } from '../../connectors/dynamics';
import { buildIngressPlan, type IngressPlan, type PlanProblem } from '../../sync/ingress';
import { type OptOutOnCreate, optOutsOnCreate } from './opt-outs-on-create';
import {
  type CampaignMetadataReader,
  type CampaignResourceMetadata,
  type D365TableMetadata,
  isLinkTo,
  loadCampaignResource,
  loadD365Table,
} from './metadata';

/** D365 column types that can hold the id of a contact (written to a link to profile). */
const LINK_SOURCES: ReadonlySet<string> = new Set(['Lookup', 'Customer', 'Uniqueidentifier']);

/** What resolving a mapping needs: the configuration and the worker's clients. */
export interface IngressDependencies {
  config: Config;
  dynamics(): DynamicsClient;
  campaign(): CampaignClient;
  campaignMetadata: CampaignMetadataReader;
}

/** A mapping checked against both systems: the plan, the D365 table and the Campaign resource client with its key. */
export interface ResolvedMapping {
  index: number;
  mapping: IngressMapping;
  table: D365TableMetadata;
  resource: CampaignResourceMetadata;
  plan: IngressPlan;
  key: KeyDefinition;
  target: ResourceClient;
  /** Mapped Campaign fields that link to a profile (their value is a contact id until the writer resolves it). */
  profileLinks: string[];
  /** Mapped Campaign fields that link to a record another mapping writes (their value is that row's D365 id). */
  resourceLinks: ResourceLink[];
  /** Opt-outs a created profile gets from its contact (contact mapping, opt-out mode copying D365 to Campaign). */
  optOutsOnCreate: OptOutOnCreate[];
}

/**
 * The part of a {@link ResolvedMapping} that writing import chunks reads: the file activities take only this, so a
 * test can give them a plan without resolving it against D365 and Campaign.
 */
export type ChunkMapping = Pick<ResolvedMapping, 'plan'> & {
  table: Pick<ResolvedMapping['table'], 'entitySetName'>;
  profileLinks?: readonly string[];
  resourceLinks?: readonly Pick<ResourceLink, 'field' | 'keyField'>[];
};

/** A link to a custom resource: the field, and the mapping whose key finds the linked record. */
export interface ResourceLink {
  field: string;
  /** The ingress mapping that writes the linked records (the field's `link`). */
  parent: string;
  /** Its Campaign resource and the field holding its key (the D365 id). */
  resource: string;
  keyField: string;
}

export type Resolution = { ok: true; resolved: ResolvedMapping } | { ok: false; problems: PlanProblem[] };

export function findMapping(config: Config, name: string): { mapping: IngressMapping; index: number } | undefined {
  const index = config.ingress.findIndex((mapping) => mapping.name === name);
  const mapping = config.ingress[index];
  return mapping ? { mapping, index } : undefined;
}

/** The mapping that writes D365 contacts to Campaign profiles, if the configuration has one. */
export function findContactMapping(config: Config): IngressMapping | undefined {
  return config.ingress.find((mapping) => mapping.from === 'contact' && mapping.to === 'profile');
}

/**
 * How every flow finds a profile by its externalId: the contact mapping's `key.campaignFilter` when it sets one (the
 * filter the Campaign administrator defined), else `byExternalId`.
 */
export function profileKey(config: Config): KeyDefinition {
  const contacts = findContactMapping(config);
  return contacts ? keyDefinition(contacts) : PROFILE_EXTERNAL_ID_KEY;
}

/**
 * How Campaign finds a record by the mapping's key: the filter `key.campaignFilter`, by default `by` + the key field
 * with a capital first letter, called with `<key.to>_parameter` (for profile: `byExternalId?externalId_parameter=`).
 */
export function keyDefinition(mapping: IngressMapping): KeyDefinition {
  const field = mapping.key.to;
  const filter = mapping.key.campaignFilter ?? `by${field.charAt(0).toUpperCase()}${field.slice(1)}`;
  return { fields: [field], lookup: { type: 'filter', filter, parameters: { [field]: `${field}_parameter` } } };
}

/**
 * Loads both systems' metadata for a mapping and checks everything that can be known without writing: the table
 * exists and tracks changes, the key is the table's id (tombstones carry only that), the resource and every field
 * exist with compatible types, no mapped field is read-only. Every problem names its configuration path.
 */
export async function resolveMapping(deps: IngressDependencies, name: string): Promise<Resolution> {
  const found = findMapping(deps.config, name);
  if (!found) {
    return { ok: false, problems: [{ path: 'ingress', message: `no ingress mapping is named ${name}` }] };
  }
  const { mapping, index } = found;
  const at = `ingress[${index}]`;
  const [table, resource] = await Promise.all([
    loadD365Table(deps.dynamics(), mapping.from),
    loadCampaignResource(deps.campaignMetadata, mapping.to),
  ]);
  const problems: PlanProblem[] = [];
  if (!table)
    problems.push({ path: `${at}.from`, message: `D365 has no table ${mapping.from}; use the table's logical name` });
  if (!resource) {
    problems.push({
      path: `${at}.to`,
      message: `Campaign has no resource ${mapping.to} on /profileAndServicesExt or /customResources; publish it (custom resources need a published resource extension)`,
    });
  }
  problems.push(...contactKeyProblems(mapping, at));
  if (!table || !resource) return { ok: false, problems };

  if (!table.changeTrackingEnabled) {
    problems.push({
      path: `${at}.from`,
      message: `change tracking is off for D365 table ${mapping.from}; turn on "Track changes" in the table's properties (Power Apps, Tables, ${mapping.from}, Properties, Advanced options)`,
    });
  }
  // The contact table's key rule is checked above, with its own message.
  if (mapping.from !== 'contact' && mapping.key.from !== table.primaryIdAttribute) {
    problems.push({
      path: `${at}.key.from`,
      message: `must be ${table.primaryIdAttribute}, the id of ${mapping.from}: D365 reports deletions by that id only`,
    });
  }
  const keyField = resource.fields.find((field) => field.name === mapping.key.to);
  if (keyField && keyField.type !== 'string') {
    problems.push({
      path: `${at}.key.to`,
      message: `Campaign field ${mapping.key.to} is ${keyField.type}; the key needs a text field (36 characters or more) to hold the D365 id`,
    });
  }
  mapping.fields.forEach((field, fieldIndex) => {
    const source = table.columns.find((column) => column.logicalName === field.from);
    if (resource.profileLinks.includes(field.to) && source && !LINK_SOURCES.has(source.type)) {
      problems.push({
        path: `${at}.fields[${fieldIndex}].from`,
        message: `${field.to} links to a profile and is written from a lookup to contact; ${field.from} is a ${source.type} column`,
      });
    }
    if (resource.readOnlyFields.includes(field.to)) {
      problems.push({
        path: `${at}.fields[${fieldIndex}].to`,
        message: `Campaign sets ${field.to} itself (read-only); map the column to another field`,
      });
    }
  });
  problems.push(...linkProblems(deps.config, mapping, at, table, resource));
  const built = buildIngressPlan(mapping, index, table.columns, resource.fields);
  if (!built.ok) problems.push(...built.problems);
  if (problems.length > 0 || !built.ok) return { ok: false, problems };

  const key = keyDefinition(mapping);
  const target = deps.campaign().resource({ api: resource.api, name: resource.name, key });
  const profileLinks = mapping.fields.map((field) => field.to).filter((to) => resource.profileLinks.includes(to));
  const resourceLinks = mapping.fields.flatMap((field): ResourceLink[] => {
    const parent = field.link === undefined ? undefined : findMapping(deps.config, field.link)?.mapping;
    if (!parent || parent.to === 'profile') return [];
    return [{ field: field.to, parent: parent.name, resource: parent.to, keyField: parent.key.to }];
  });
  const optOuts = optOutsOnCreate(deps.config, mapping, table.columns);
  const plan = { ...built.plan, select: [...new Set([...built.plan.select, ...optOuts.map((o) => o.column)])] };
  return {
    ok: true,
    resolved: {
      index,
      mapping,
      table,
      resource,
      plan,
      key,
      target,
      profileLinks,
      resourceLinks,
      optOutsOnCreate: optOuts,
    },
  };
}

/**
 * Each link the mapping declares is a link in Campaign to the resource its `link` mapping writes, fed by a lookup;
 * each link to a custom resource that the mapping writes is declared (the writer needs the mapping to find the record).
 */
function linkProblems(
  config: Config,
  mapping: IngressMapping,
  at: string,
  table: D365TableMetadata,
  resource: CampaignResourceMetadata
): PlanProblem[] {
  const problems: PlanProblem[] = [];
  mapping.fields.forEach((field, fieldIndex) => {
    const path = `${at}.fields[${fieldIndex}]`;
    const undeclared = resource.resourceLinks.find((link) => link.field === field.to);
    if (field.link === undefined) {
      if (undeclared) {
        problems.push({
          path: `${path}.link`,
          message: `${field.to} links to ${undeclared.target} in Campaign; name the ingress mapping that writes ${undeclared.target}`,
        });
      }
      return;
    }
    const parent = findMapping(config, field.link)?.mapping;
    if (!parent) return; // config validate names it
    const linked =
      parent.to === 'profile'
        ? resource.profileLinks.includes(field.to)
        : resource.resourceLinks.some((link) => link.field === field.to && isLinkTo(link.target, parent.to));
    if (!linked) {
      problems.push({
        path: `${path}.to`,
        message: `Campaign field ${field.to} of ${mapping.to} is not a link to ${parent.to} (what mapping ${parent.name} writes)`,
      });
    }
    const source = table.columns.find((column) => column.logicalName === field.from);
    // Links to profile have their own check above.
    if (source && parent.to !== 'profile' && !LINK_SOURCES.has(source.type)) {
      problems.push({
        path: `${path}.from`,
        message: `${field.to} is a link, written from a lookup to ${parent.from}; ${field.from} is a ${source.type} column`,
      });
    }
  });
  return problems;
}

/** The contact mapping keeps the D365 id in the profile's externalId (the egress and opt-out flows find it there). */
function contactKeyProblems(mapping: IngressMapping, at: string): PlanProblem[] {
  if (mapping.from !== 'contact') return [];
  const problems: PlanProblem[] = [];
  if (mapping.key.from !== 'contactid')
    problems.push({ path: `${at}.key.from`, message: 'must be contactid for the contact table' });
  if (mapping.key.to !== 'externalId')
    problems.push({ path: `${at}.key.to`, message: 'must be externalId for the contact table' });
  if (mapping.to !== 'profile') problems.push({ path: `${at}.to`, message: 'must be profile for the contact table' });
  return problems;
}
