import { sumCounts } from '../sum-counts';

/** What happened to the rows of one page, chunk or pass. Adds up across pages. */
export interface IngressCounts {
  /** Rows and tombstones read from D365. */
  read: number;
  /** Records created in Campaign. */
  created: number;
  /** Records patched in Campaign (changed fields only). */
  updated: number;
  /** Records whose Campaign copy already matched: no write. */
  unchanged: number;
  /** Records deleted in Campaign (D365 deletes, filtered-out rows when configured). */
  deleted: number;
  /** Rows the filter kept out of Campaign. */
  filteredOut: number;
  /** Rows that could not be written; each is in the rejects report. */
  rejected: number;
  /** Rows not written because a record they link to is not in Campaign yet: a later pass looks at them again. */
  waiting: number;
}

export const ZERO_COUNTS: Readonly<IngressCounts> = Object.freeze({
  read: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  filteredOut: 0,
  rejected: 0,
  waiting: 0,
});

/** The sum of two sets of counts. */
export function addCounts(a: IngressCounts, b: IngressCounts): IngressCounts {
  return sumCounts(a, b);
}
