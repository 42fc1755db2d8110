import { type Row } from '../../connectors/dynamics';
import { rowPassesFilter, type RowFilter, webApiColumnName } from '../../sync/ingress';

/**
 * Which contacts ingress writes to Campaign profiles. A contact without a profile is worth revisiting only if ingress
 * will create its profile; one it never will (the contact mapping's filter keeps it out, or no mapping writes
 * contacts) is counted `outOfScope` and left alone.
 */
export interface ContactScope {
  /** Why contacts outside the scope get no profile (for the audit report). */
  outsideReason: string;
  /** D365 columns the scope reads (Web API names), selected beside the opt-out columns. */
  columns: readonly string[];
  /**
   * True when ingress writes this contact to a profile, sooner or later; also when the row lacks a column the filter
   * reads (a delta link keeps the `$select` of the read that made it, which may predate the filter): looking at the
   * contact again by id, with every column, decides it then.
   */
  includes(row: Row): boolean;
}

/** No ingress mapping writes contacts to profiles: no profile will ever appear for a contact. */
export const NO_CONTACT_MAPPING: ContactScope = {
  outsideReason: 'no ingress mapping writes contacts to profile',
  columns: [],
  includes: () => false,
};

/** The contacts the contact mapping's filter lets through (all of them when it has none). */
export function contactScope(mappingName: string, filter: RowFilter | undefined): ContactScope {
  const columns = [...new Set((filter?.rules ?? []).map((rule) => webApiColumnName(rule.column)))];
  return {
    outsideReason: `the filter of ingress mapping ${mappingName} keeps this contact out`,
    columns,
    includes: (row) => columns.some((column) => !(column in row)) || rowPassesFilter(row, filter),
  };
}
