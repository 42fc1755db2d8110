import { type SimResponse } from './http-types';
import { type ColumnDefinition, type TableDefinition } from './schema';

const EDM_TYPE: Record<ColumnDefinition['type'], string> = {
  Uniqueidentifier: 'Edm.Guid',
  String: 'Edm.String',
  Memo: 'Edm.String',
  Boolean: 'Edm.Boolean',
  Integer: 'Edm.Int32',
  Picklist: 'Edm.Int32',
  State: 'Edm.Int32',
  Status: 'Edm.Int32',
  DateTime: 'Edm.DateTimeOffset',
  DateOnly: 'Edm.Date',
  Lookup: 'Edm.Guid',
};

function property(column: ColumnDefinition): string {
  const length = column.maxLength === undefined ? '' : ` MaxLength="${column.maxLength}"`;
  return `<Property Name="${column.name}" Type="${EDM_TYPE[column.type]}"${length} />`;
}

/** GET `$metadata`: a CSDL document of the simulated tables, with the change-tracking capability annotation. */
export function metadataDocument(tables: TableDefinition[]): SimResponse {
  const types = tables.map(
    (t) =>
      `<EntityType Name="${t.logicalName}"><Key><PropertyRef Name="${t.primaryIdAttribute}" /></Key>${t.columns.map(property).join('')}</EntityType>`
  );
  const sets = tables.map(
    (t) =>
      `<EntitySet Name="${t.entitySetName}" EntityType="Microsoft.Dynamics.CRM.${t.logicalName}"><Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="${t.changeTrackingEnabled}" /></Record></Annotation></EntitySet>`
  );
  const body =
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>' +
    '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">' +
    types.join('') +
    `<EntityContainer Name="System">${sets.join('')}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
  return { status: 200, headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' }, body };
}
