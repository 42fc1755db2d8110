/**
 * Per pass (summed over pages or file chunks):
 * - `read`: D365 rows or file lines read;
 * - `applied`: opt-out values written (one per attribute and record, on whichever side was written);
 * - `skipped`: values that needed no write (both sides agreed, or the attribute is not paired);
 * - `conflicts`: bidirectional decisions where the two sides held different values (the rule chose a winner);
 * - `missing`: records without a counterpart (no profile with the contact's id as externalId, or no such contact);
 *   a contact whose profile is missing is revisited by later passes (its id is kept in the pass's pending set);
 * - `outOfScope`: contacts without a profile that ingress will never create (the contact mapping's filter keeps them
 *   out, or no mapping writes contacts): not revisited;
 * - `rejected`: rows or lines that could not be read (no id, malformed value or time, unknown attribute).
 */
export interface OptOutCounts {
  read: number;
  applied: number;
  skipped: number;
  conflicts: number;
  missing: number;
  outOfScope: number;
  rejected: number;
}

export const ZERO_OPT_OUT_COUNTS: Readonly<OptOutCounts> = Object.freeze({
  read: 0,
  applied: 0,
  skipped: 0,
  conflicts: 0,
  missing: 0,
  outOfScope: 0,
  rejected: 0,
});
