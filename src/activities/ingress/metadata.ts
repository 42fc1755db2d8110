import { type CampaignApi } from '../../connectors/campaign';
import { type DynamicsClient, type Row } from '../../connectors/dynamics';
import { type CampaignField, type CampaignFieldType, type D365Column, type D365ColumnType } from '../../sync/ingress';

/** What ingress needs to know of one D365 table. */
export interface D365TableMetadata {
  logicalName: string;
  entitySetName: string;
  /** The id column; change-tracking tombstones carry only its value. */
  primaryIdAttribute: string;
  changeTrackingEnabled: boolean;
  columns: D365Column[];
}

/** What ingress needs to know of one Campaign resource. */
export interface CampaignResourceMetadata {
  /** The API surface that serves the resource (profile: `profileAndServicesExt`, so extension fields are included). */
  api: CampaignApi;
  name: string;
  /** Scalar fields that can be written (links and collections are left out). */
  fields: CampaignField[];
  /** Fields Campaign sets itself (`age`, `created`...): a write to them is refused. */
  readOnlyFields: string[];
  /**
   * Links to profile. They are listed in `fields` as text fields (the mapping engine carries the D365 contact id in
   * them); the writer turns each into `{ PKey }` of the profile with that externalId.
   */
  profileLinks: string[];
  /**
   * Links to other resources (custom resources): field → the target's name as the metadata gives it (`resTarget`).
   * Listed in `fields` as text fields too (the D365 id of the linked row, until the writer resolves it).
   */
  resourceLinks: { field: string; target: string }[];
}

/**
 * Reads `GET /<api>/resourceType/<name>` and answers its JSON body, or `undefined` when Campaign answers 404 (no such
 * resource on that surface).
 */
export type CampaignMetadataReader = (
  api: CampaignApi,
  resource: string
) => Promise<Record<string, unknown> | undefined>;

const D365_TYPES: ReadonlySet<string> = new Set<D365ColumnType>([
  'Boolean',
  'Integer',
  'BigInt',
  'Decimal',
  'Double',
  'Money',
  'String',
  'Memo',
  'DateTime',
  'Picklist',
  'State',
  'Status',
  'Lookup',
  'Customer',
  'Owner',
  'Uniqueidentifier',
]);

/**
 * Loads a table's definition and columns from `EntityDefinitions`; `undefined` when D365 has no such table.
 * Attributes are read without `$select`: `DateTimeBehavior` exists only on the DateTime attribute type, and selecting
 * it on the base type fails. Dataverse does not inline `OptionSet` on that collection, so choice labels normally come
 * from the rows' formatted values; options are used when the metadata carries them.
 */
export async function loadD365Table(
  client: DynamicsClient,
  logicalName: string
): Promise<D365TableMetadata | undefined> {
  const definitions = await firstPage(
    client.readPages('EntityDefinitions', {
      filter: `LogicalName eq '${logicalName}'`,
      select: ['LogicalName', 'EntitySetName', 'PrimaryIdAttribute', 'ChangeTrackingEnabled'],
    })
  );
  const entity = definitions[0];
  if (!entity) return undefined;
  const columns: D365Column[] = [];
  for await (const page of client.readPages(`EntityDefinitions(LogicalName='${logicalName}')/Attributes`)) {
    for (const attribute of page.rows) {
      const column = d365Column(attribute);
      if (column) columns.push(column);
    }
  }
  return {
    logicalName,
    entitySetName: String(entity.EntitySetName),
    primaryIdAttribute: String(entity.PrimaryIdAttribute),
    changeTrackingEnabled: entity.ChangeTrackingEnabled === true,
    columns,
  };
}

/** One alternate key of a D365 table, from `EntityDefinitions(…)/Keys`. */
export interface D365AlternateKey {
  logicalName: string;
  columns: string[];
  /** `EntityKeyIndexStatus`: `Active` once D365's system job has built the key's index (`Pending`, `InProgress`, `Failed`). */
  indexStatus: string;
}

/** The alternate keys of a table (the table must exist: see {@link loadD365Table}). */
export async function loadD365AlternateKeys(client: DynamicsClient, logicalName: string): Promise<D365AlternateKey[]> {
  const keys: D365AlternateKey[] = [];
  for await (const page of client.readPages(`EntityDefinitions(LogicalName='${logicalName}')/Keys`, {
    select: ['LogicalName', 'KeyAttributes', 'EntityKeyIndexStatus'],
  })) {
    for (const key of page.rows) {
      keys.push({
        logicalName: String(key.LogicalName),
        columns: Array.isArray(key.KeyAttributes) ? key.KeyAttributes.map(String) : [],
        indexStatus: String(key.EntityKeyIndexStatus),
      });
    }
  }
  return keys;
}

async function firstPage(pages: AsyncGenerator<{ rows: Row[] }>): Promise<Row[]> {
  const first = await pages.next();
  await pages.return(undefined);
  return first.done ? [] : first.value.rows;
}

function d365Column(attribute: Row): D365Column | undefined {
  if (typeof attribute.LogicalName !== 'string') return undefined;
  const rawType = typeof attribute.AttributeType === 'string' ? attribute.AttributeType : 'Other';
  const type = (D365_TYPES.has(rawType) ? rawType : 'Other') as D365ColumnType;
  const behaviour = (attribute.DateTimeBehavior as { Value?: unknown } | undefined)?.Value;
  const options = optionLabels(attribute.OptionSet);
  return {
    logicalName: attribute.LogicalName,
    type,
    ...(type === 'DateTime' && behaviour === 'DateOnly' ? { dateOnly: true } : {}),
    ...(options ? { options } : {}),
  };
}

function optionLabels(optionSet: unknown): Record<number, string> | undefined {
  const options = (optionSet as { Options?: unknown } | undefined)?.Options;
  if (!Array.isArray(options)) return undefined;
  const labels: Record<number, string> = {};
  for (const option of options as { Value?: unknown; Label?: { UserLocalizedLabel?: { Label?: unknown } } }[]) {
    const label = option.Label?.UserLocalizedLabel?.Label;
    if (typeof option.Value === 'number' && typeof label === 'string') labels[option.Value] = label;
  }
  return labels;
}

/**
 * Finds a Campaign resource and its fields: `profile` on `/profileAndServicesExt`; a custom resource there when it is
 * linked to profile, else on `/customResources`. `undefined` when neither surface has it.
 */
export async function loadCampaignResource(
  read: CampaignMetadataReader,
  name: string
): Promise<CampaignResourceMetadata | undefined> {
  const surfaces: CampaignApi[] =
    name === 'profile' ? ['profileAndServicesExt'] : ['profileAndServicesExt', 'customResources'];
  for (const api of surfaces) {
    const body = await read(api, name);
    if (body) return { api, name, ...campaignFields(body.content) };
  }
  return undefined;
}

/**
 * ACS metadata field types to the engine's. Names beyond the simulator's (`long`, `short`, `memo`...) follow the
 * Campaign data model's types; the public documentation does not list the API's exact vocabulary.
 */
const CAMPAIGN_TYPES: Readonly<Record<string, CampaignFieldType>> = {
  string: 'string',
  memo: 'string',
  text: 'string',
  uuid: 'string',
  integer: 'integer',
  int: 'integer',
  long: 'integer',
  short: 'integer',
  byte: 'integer',
  float: 'float',
  double: 'double',
  number: 'double',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'datetime',
  enumeration: 'enumeration',
};

function campaignFields(
  content: unknown
): Pick<CampaignResourceMetadata, 'fields' | 'readOnlyFields' | 'profileLinks' | 'resourceLinks'> {
  const fields: CampaignField[] = [];
  const readOnlyFields: string[] = [];
  const profileLinks: string[] = [];
  const resourceLinks: CampaignResourceMetadata['resourceLinks'] = [];
  if (content === null || typeof content !== 'object') return { fields, readOnlyFields, profileLinks, resourceLinks };
  for (const [name, raw] of Object.entries(content as Record<string, unknown>)) {
    if (raw === null || typeof raw !== 'object') continue;
    const spec = raw as {
      type?: unknown;
      length?: unknown;
      dataPolicy?: unknown;
      values?: unknown;
      readOnly?: unknown;
      resTarget?: unknown;
    };
    // The simulator names the target `profile`; ACS's schema name for it is nms:recipient (not confirmed for the API).
    if (spec.type === 'link' && (spec.resTarget === 'profile' || spec.resTarget === 'nms:recipient')) {
      fields.push({ name, type: 'string' });
      profileLinks.push(name);
      continue;
    }
    if (spec.type === 'link' && typeof spec.resTarget === 'string') {
      fields.push({ name, type: 'string' });
      resourceLinks.push({ field: name, target: spec.resTarget });
      continue;
    }
    const type = typeof spec.type === 'string' ? CAMPAIGN_TYPES[spec.type.toLowerCase()] : undefined;
    if (!type) continue;
    const values = enumerationValues(spec.values);
    fields.push({
      name,
      type,
      ...(typeof spec.length === 'number' && spec.length > 0 ? { length: spec.length } : {}),
      ...(values ? { values } : {}),
      ...(spec.dataPolicy === 'email' ? { dataPolicy: 'email' as const } : {}),
    });
    if (spec.readOnly === true) readOnlyFields.push(name);
  }
  return { fields, readOnlyFields, profileLinks, resourceLinks };
}

/**
 * Whether a link's `resTarget` names this custom resource: the simulator gives the API name (`cusLoyaltyProgram`); a
 * schema name (`cus:loyaltyProgram`) is accepted too, as the data model writes it (the API's form is not confirmed).
 */
export function isLinkTo(resTarget: string, resource: string): boolean {
  const plain = (name: string): string => name.replace(/^cus:?/i, '').toLowerCase();
  return resTarget === resource || plain(resTarget) === plain(resource);
}

/** Enumeration values by name: an object keyed by name, or a list of names or of `{ name | value }` objects. */
function enumerationValues(values: unknown): string[] | undefined {
  if (Array.isArray(values)) {
    return values.flatMap((value: unknown) => {
      if (typeof value === 'string') return [value];
      const named = value as { name?: unknown; value?: unknown } | null;
      const name = named?.name ?? named?.value;
      return typeof name === 'string' ? [name] : [];
    });
  }
  if (values !== null && typeof values === 'object') return Object.keys(values);
  return undefined;
}
