/** The three ACS API surfaces that hold profiles and custom resources. */
export type CampaignApi = 'profileAndServices' | 'profileAndServicesExt' | 'customResources';

/** One record as ACS returns it: `PKey`, `href` and the resource's fields. */
export interface AcsRecord {
  PKey: string;
  href?: string;
  [field: string]: unknown;
}

/** What PATCH answers: the record's PKey and href. */
export interface AcsWriteResult {
  PKey: string;
  href: string;
}

/** A field value to write. Dates are sent in ACS's format; `{ PKey }` sets a link. */
export type AcsValue = string | number | boolean | null | Date | { PKey: string };

export type AcsFields = Record<string, AcsValue>;

/** A filter in the URL path with its query parameters, e.g. `byEmail?email=…` or `byCrmId?crmId_parameter=…`. */
export interface AcsFilter {
  name: string;
  parameters?: Record<string, string | number | boolean>;
}

/**
 * How a record is found by its identification key.
 * `filter`: a filter defined on the resource, each key field passed as one query parameter.
 * `customKey`: `GET /<api>/<resource>/<keyValue>` (single-field identification key declared in Campaign).
 */
export type KeyLookup = { type: 'filter'; filter: string; parameters: Record<string, string> } | { type: 'customKey' };

/** A resource's identification key and how to look it up. */
export interface KeyDefinition {
  /** Key fields, e.g. `['externalId']` or `['category', 'crmId']`. */
  fields: string[];
  lookup: KeyLookup;
}

/**
 * The default profile key: `externalId` (the D365 contactid), looked up through a custom filter `byExternalId`
 * with parameter `externalId_parameter`, which the Campaign administrator defines on the profile resource.
 */
export const PROFILE_EXTERNAL_ID_KEY: KeyDefinition = {
  fields: ['externalId'],
  lookup: { type: 'filter', filter: 'byExternalId', parameters: { externalId: 'externalId_parameter' } },
};
