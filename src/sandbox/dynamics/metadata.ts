import { createHash } from 'node:crypto';
import { type Database } from './database';
import { Errors, WebApiError } from './errors';
import { jsonResponse, type SimResponse } from './http-types';
import { attributeOptions, derivedAttributeType, metadataQuery, type MetadataQuery, project } from './metadata-query';
import { type ColumnDefinition, type TableDefinition } from './schema';

/** A stable GUID-shaped id derived from a name (MetadataId values). */
function metadataId(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function label(text: string): Record<string, unknown> {
  return {
    LocalizedLabels: [{ Label: text, LanguageCode: 1033 }],
    UserLocalizedLabel: { Label: text, LanguageCode: 1033 },
  };
}

function schemaName(name: string): string {
  return name.replace(/(^|_)([a-z])/g, (_m, sep: string, ch: string) => `${sep}${ch.toUpperCase()}`);
}

const METADATA_TYPE: Record<ColumnDefinition['type'], string> = {
  Uniqueidentifier: 'UniqueIdentifierAttributeMetadata',
  String: 'StringAttributeMetadata',
  Memo: 'MemoAttributeMetadata',
  Boolean: 'BooleanAttributeMetadata',
  Integer: 'IntegerAttributeMetadata',
  Picklist: 'PicklistAttributeMetadata',
  State: 'StateAttributeMetadata',
  Status: 'StatusAttributeMetadata',
  DateTime: 'DateTimeAttributeMetadata',
  DateOnly: 'DateTimeAttributeMetadata',
  Lookup: 'LookupAttributeMetadata',
};

/** The derived metadata type of a column, without namespace (e.g. `DateTimeAttributeMetadata`). */
export function attributeTypeName(column: ColumnDefinition): string {
  return METADATA_TYPE[column.type];
}

/**
 * A column as Dataverse describes it: base `AttributeMetadata` properties plus those of its derived type. `OptionSet`
 * is a navigation property, added by {@link withExpansions} only when expanded.
 */
function attributeMetadata(table: TableDefinition, column: ColumnDefinition): Record<string, unknown> {
  const logicalName = attributeLogicalName(column);
  const attributeType = column.type === 'DateOnly' ? 'DateTime' : column.type;
  const isState = column.name === 'statecode';
  const attribute: Record<string, unknown> = {
    '@odata.type': `#Microsoft.Dynamics.CRM.${METADATA_TYPE[column.type]}`,
    MetadataId: metadataId(`${table.logicalName}.${logicalName}`),
    LogicalName: logicalName,
    SchemaName: schemaName(logicalName),
    EntityLogicalName: table.logicalName,
    AttributeType: attributeType,
    AttributeTypeName: { Value: `${attributeType}Type` },
    DisplayName: label(column.displayName ?? logicalName),
    IsPrimaryId: column.name === table.primaryIdAttribute,
    IsPrimaryName: column.name === table.primaryNameAttribute,
    IsValidForCreate: !column.readOnly && !(isState && !table.stateValidForCreate),
    IsValidForUpdate: !column.readOnly && column.name !== table.primaryIdAttribute,
    IsValidForRead: true,
    RequiredLevel: { Value: column.name === 'lastname' ? 'ApplicationRequired' : isState ? 'SystemRequired' : 'None' },
  };
  if (column.maxLength !== undefined) attribute.MaxLength = column.maxLength;
  if (column.type === 'DateTime' || column.type === 'DateOnly') {
    attribute.DateTimeBehavior = { Value: column.type === 'DateOnly' ? 'DateOnly' : 'UserLocal' };
    attribute.Format = column.type === 'DateOnly' ? 'DateOnly' : 'DateAndTime';
  }
  if (column.defaultValue !== undefined && column.defaultValue !== null) attribute.DefaultValue = column.defaultValue;
  if (column.lookup) attribute.Targets = [column.lookup.target.replace(/s$/, '')];
  return attribute;
}

/** An attribute projected by `$select`, with `OptionSet` when `$expand=OptionSet` asks for it. */
function withExpansions(
  attribute: Record<string, unknown>,
  column: ColumnDefinition,
  query: MetadataQuery
): Record<string, unknown> {
  const projected = project(attribute, query.select);
  if (column.options && query.expand.has('OptionSet')) {
    projected.OptionSet = {
      Options: Object.entries(column.options).map(([value, text]) => ({ Value: Number(value), Label: label(text) })),
    };
  }
  return projected;
}

/** A lookup column is served as `_x_value` but described by its attribute name `x`. */
function attributeLogicalName(column: ColumnDefinition): string {
  return column.type === 'Lookup' ? column.name.replace(/^_(.*)_value$/, '$1') : column.name;
}

/** An alternate key as `EntityKeyMetadata`. */
function keyMetadata(table: TableDefinition, key: string[]): Record<string, unknown> {
  const logicalName = `${table.logicalName}_${key.join('_')}_key`;
  return {
    MetadataId: metadataId(`${table.logicalName}.key.${key.join(',')}`),
    LogicalName: logicalName,
    SchemaName: schemaName(logicalName),
    EntityLogicalName: table.logicalName,
    KeyAttributes: key,
    EntityKeyIndexStatus: table.keyIndexStatus?.[key.join(',')] ?? 'Active',
  };
}

/** The table as `EntityMetadata`; `Attributes` and `Keys` are navigation properties, present only when expanded. */
function entityMetadata(table: TableDefinition): Record<string, unknown> {
  return {
    MetadataId: metadataId(table.logicalName),
    LogicalName: table.logicalName,
    SchemaName: schemaName(table.logicalName),
    EntitySetName: table.entitySetName,
    LogicalCollectionName: table.entitySetName,
    PrimaryIdAttribute: table.primaryIdAttribute,
    PrimaryNameAttribute: table.primaryNameAttribute,
    IsActivity: table.isActivity,
    IsCustomEntity: table.logicalName.startsWith('acs_'),
    ChangeTrackingEnabled: table.changeTrackingEnabled,
    CanChangeTrackingBeEnabled: {
      Value: true,
      CanBeChanged: !table.changeTrackingEnabled,
      ManagedPropertyLogicalName: 'canchangetrackingbeenabled',
    },
    OwnershipType: 'UserOwned',
    DisplayName: label(table.logicalName),
  };
}

/**
 * GET `EntityDefinitions` and `EntityDefinitions(LogicalName='x')`, with `$expand=Attributes(…),Keys`; below one
 * table: `/Attributes`, `/Attributes(LogicalName='y')`, a cast such as
 * `/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata` (`$expand=OptionSet` on choice types), and `/Keys`.
 * Any other segment is an error, as in Dataverse.
 */
export function readEntityDefinitions(
  db: Database,
  baseUrl: string,
  key: string | undefined,
  segment: string | undefined,
  params: URLSearchParams
): SimResponse {
  if (key === undefined) {
    if (segment !== undefined) throw Errors.resourceNotFound(segment);
    const query = metadataQuery(params, 'EntityMetadata');
    const tables = db.definitions.filter((table) => query.filter(entityMetadata(table)));
    return jsonResponse(200, {
      '@odata.context': `${baseUrl}$metadata#EntityDefinitions`,
      value: tables.map((table) => expandedEntity(table, query)),
    });
  }
  const logicalName = /^LogicalName='([^']+)'$/.exec(key)?.[1];
  const table = logicalName === undefined ? undefined : db.tableByLogicalName(logicalName)?.definition;
  if (!table)
    throw new WebApiError(404, '0x80040217', `Could not find entity with logical name ${logicalName ?? key}.`);
  const context = `${baseUrl}$metadata#EntityDefinitions('${table.logicalName}')`;
  if (segment === undefined) {
    const query = metadataQuery(params, 'EntityMetadata');
    return jsonResponse(200, { '@odata.context': `${context}/$entity`, ...expandedEntity(table, query) });
  }
  const [navigation = '', cast, ...rest] = segment.split('/');
  if (navigation === 'Keys' && cast === undefined) {
    const query = metadataQuery(params, 'EntityKeyMetadata');
    const keys = table.alternateKeys.map((k) => keyMetadata(table, k)).filter(query.filter);
    return jsonResponse(200, { '@odata.context': `${context}/Keys`, value: keys.map((k) => project(k, query.select)) });
  }
  const attributes = /^Attributes(?:\(LogicalName='([^']+)'\))?$/.exec(navigation);
  if (!attributes || rest.length > 0) throw Errors.resourceNotFound(segment);
  const typeName = cast === undefined ? undefined : derivedAttributeType(cast);
  const query = attributeOptions(params, typeName);
  const single = attributes[1];
  if (single === undefined) {
    return jsonResponse(200, {
      '@odata.context': `${context}/Attributes${cast ? `/${cast}` : ''}`,
      value: attributeCollection(table, typeName, query),
    });
  }
  const column = table.columns.find((c) => attributeLogicalName(c) === single);
  if (!column || (typeName !== undefined && attributeTypeName(column) !== typeName))
    throw new WebApiError(404, '0x80040217', `Could not find attribute ${single} on entity ${table.logicalName}.`);
  return jsonResponse(200, {
    '@odata.context': `${context}/Attributes/$entity`,
    ...withExpansions(attributeMetadata(table, column), column, query),
  });
}

function expandedEntity(table: TableDefinition, query: MetadataQuery): Record<string, unknown> {
  const entity = project(entityMetadata(table), query.select);
  const attributes = query.expand.get('Attributes');
  if (attributes) entity.Attributes = attributeCollection(table, undefined, attributes);
  const keys = query.expand.get('Keys');
  if (keys) entity.Keys = table.alternateKeys.map((k) => project(keyMetadata(table, k), keys.select));
  return entity;
}

/** The attributes of a table, of one derived type when `typeName` is set, filtered and projected. */
function attributeCollection(
  table: TableDefinition,
  typeName: string | undefined,
  query: MetadataQuery
): Record<string, unknown>[] {
  return table.columns
    .filter((column) => typeName === undefined || attributeTypeName(column) === typeName)
    .map((column) => ({ column, attribute: attributeMetadata(table, column) }))
    .filter(({ attribute }) => query.filter(attribute))
    .map(({ column, attribute }) => withExpansions(attribute, column, query));
}

/** GET `RetrieveTotalRecordCount(EntityNames=['contact'])` or `(EntityNames=@p1)?@p1=["contact"]`. */
export function retrieveTotalRecordCount(
  db: Database,
  baseUrl: string,
  argument: string,
  params: URLSearchParams
): SimResponse {
  const match = /^EntityNames=(.+)$/.exec(argument);
  const rawList = match?.[1]?.startsWith('@') ? params.get(match[1]) : match?.[1];
  if (!rawList) throw Errors.badRequest('RetrieveTotalRecordCount needs the EntityNames parameter.');
  let names: unknown;
  try {
    names = JSON.parse(rawList.replace(/'/g, '"'));
  } catch {
    throw Errors.badRequest(`Invalid EntityNames value '${rawList}'.`);
  }
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
    throw Errors.badRequest('EntityNames must be a list of logical names.');
  const values = (names as string[]).map((name) => {
    const store = db.tableByLogicalName(name);
    if (!store) throw Errors.badRequest(`The entity with a name = '${name}' was not found in the MetadataCache.`);
    return store.liveCount;
  });
  return jsonResponse(200, {
    '@odata.context': `${baseUrl}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse`,
    EntityRecordCountCollection: { Count: names.length, IsReadOnly: false, Keys: names, Values: values },
  });
}
