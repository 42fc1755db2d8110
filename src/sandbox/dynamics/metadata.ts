import { createHash } from 'node:crypto';
import { type Database } from './database';
import { Errors, WebApiError } from './errors';
import { jsonResponse, type SimResponse } from './http-types';
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

function attributeMetadata(table: TableDefinition, column: ColumnDefinition): Record<string, unknown> {
  const logicalName = column.type === 'Lookup' ? column.name.replace(/^_(.*)_value$/, '$1') : column.name;
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
  if (column.options) {
    attribute.OptionSet = {
      Options: Object.entries(column.options).map(([value, text]) => ({ Value: Number(value), Label: label(text) })),
    };
  }
  return attribute;
}

function entityMetadata(table: TableDefinition, withAttributes: boolean): Record<string, unknown> {
  const entity: Record<string, unknown> = {
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
    Keys: keysMetadata(table),
  };
  if (withAttributes) entity.Attributes = table.columns.map((c) => attributeMetadata(table, c));
  return entity;
}

/** The table's alternate keys as `EntityKeyMetadata`: name, columns and the state of the key's index. */
function keysMetadata(table: TableDefinition): Record<string, unknown>[] {
  return table.alternateKeys.map((key) => {
    const logicalName = `${table.logicalName}_${key.join('_')}_key`;
    return {
      MetadataId: metadataId(`${table.logicalName}.key.${key.join(',')}`),
      LogicalName: logicalName,
      SchemaName: schemaName(logicalName),
      EntityLogicalName: table.logicalName,
      KeyAttributes: key,
      EntityKeyIndexStatus: table.keyIndexStatus?.[key.join(',')] ?? 'Active',
    };
  });
}

/** Equality-only `$filter` over metadata properties (`ChangeTrackingEnabled eq true and IsActivity eq false`). */
function metadataFilter(filter: string | null): (entity: Record<string, unknown>) => boolean {
  if (!filter) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => {
    const match = /^\s*(\w+)\s+eq\s+('(?:[^']|'')*'|true|false|\d+)\s*$/.exec(clause);
    if (!match)
      throw Errors.badRequest(
        `The simulator supports only 'Property eq value' clauses on EntityDefinitions: '${clause}'.`
      );
    const raw = match[2] as string;
    const value = raw.startsWith("'")
      ? raw.slice(1, -1).replace(/''/g, "'")
      : raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : Number(raw);
    return { name: match[1] as string, value };
  });
  return (entity) => clauses.every((c) => entity[c.name] === c.value);
}

function project(entity: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (!select) return entity;
  const names = new Set([...select.split(',').map((s) => s.trim()), 'MetadataId', 'Attributes']);
  return Object.fromEntries(Object.entries(entity).filter(([k]) => names.has(k)));
}

/** GET `EntityDefinitions`, `EntityDefinitions(LogicalName='x')`, `…/Attributes` and `…/Keys`. */
export function readEntityDefinitions(
  db: Database,
  baseUrl: string,
  key: string | undefined,
  segment: string | undefined,
  params: URLSearchParams
): SimResponse {
  const withAttributes = (params.get('$expand') ?? '').split(',').some((e) => e.trim().startsWith('Attributes'));
  const select = params.get('$select');
  if (key === undefined) {
    const matches = db.definitions
      .map((t) => entityMetadata(t, withAttributes))
      .filter(metadataFilter(params.get('$filter')));
    return jsonResponse(200, {
      '@odata.context': `${baseUrl}$metadata#EntityDefinitions`,
      value: matches.map((e) => project(e, select)),
    });
  }
  const logicalName = /^LogicalName='([^']+)'$/.exec(key)?.[1];
  const table = logicalName === undefined ? undefined : db.tableByLogicalName(logicalName)?.definition;
  if (!table)
    throw new WebApiError(404, '0x80040217', `Could not find entity with logical name ${logicalName ?? key}.`);
  if (segment === 'Attributes') {
    return jsonResponse(200, {
      '@odata.context': `${baseUrl}$metadata#EntityDefinitions('${table.logicalName}')/Attributes`,
      value: table.columns.map((c) => project(attributeMetadata(table, c), select)),
    });
  }
  if (segment === 'Keys') {
    return jsonResponse(200, {
      '@odata.context': `${baseUrl}$metadata#EntityDefinitions('${table.logicalName}')/Keys`,
      value: keysMetadata(table).map((k) => project(k, select)),
    });
  }
  if (segment !== undefined) throw Errors.resourceNotFound(`EntityDefinitions/${segment}`);
  return jsonResponse(200, {
    '@odata.context': `${baseUrl}$metadata#EntityDefinitions/$entity`,
    ...project(entityMetadata(table, withAttributes), select),
  });
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
