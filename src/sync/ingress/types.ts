/** A row as the Dataverse Web API returns it: column values plus OData annotations. */
export type D365Row = Readonly<Record<string, unknown>>;

/** Dataverse attribute types (AttributeMetadata.AttributeType) the mapping engine distinguishes. */
export type D365ColumnType =
  | 'Boolean'
  | 'Integer'
  | 'BigInt'
  | 'Decimal'
  | 'Double'
  | 'Money'
  | 'String'
  | 'Memo'
  | 'DateTime'
  | 'Picklist'
  | 'State'
  | 'Status'
  | 'Lookup'
  | 'Customer'
  | 'Owner'
  | 'Uniqueidentifier'
  | 'Other';

/** What the engine needs to know of one D365 column (from EntityDefinitions metadata). */
export interface D365Column {
  logicalName: string;
  type: D365ColumnType;
  /** DateTime columns with the DateOnly behaviour serialise as `YYYY-MM-DD`. */
  dateOnly?: boolean;
  /** Choice labels by value, for picklist, state and status columns (used when no formatted value is present). */
  options?: Readonly<Record<number, string>>;
}

/** Campaign field types, as the resource metadata describes them. */
export type CampaignFieldType =
  'string' | 'integer' | 'float' | 'double' | 'boolean' | 'date' | 'datetime' | 'enumeration';

/** What the engine needs to know of one Campaign field (from the resource metadata). */
export interface CampaignField {
  name: string;
  type: CampaignFieldType;
  /** Maximum length of a string field. */
  length?: number;
  /** Allowed names of an enumeration field. */
  values?: readonly string[];
  /** Campaign's data policy; `email` values must be email addresses. */
  dataPolicy?: 'email' | 'none';
}

/** A value as it is written to Campaign. `null` clears the field. */
export type CampaignValue = string | number | boolean | null;

/** A conversion result: the value, or why it cannot be written (never the value itself: it may be personal data). */
export type Converted = { ok: true; value: CampaignValue } | { ok: false; reason: string };
