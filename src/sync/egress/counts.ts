/** What one egress call, pass or re-drive did with the records it read. Adds up across calls. */
export interface EgressCounts {
  /** Records read (header excluded). */
  read: number;
  /** Events whose type or bounce type is switched off. */
  skipped: number;
  /** Activities created. */
  created: number;
  /** Events whose activity already existed (a replay or a re-exported event): not added again. */
  duplicates: number;
  /** Malformed records and events D365 refused (e.g. unknown contact): listed in the rejects report. */
  rejected: number;
  /** Follow-up tasks created. */
  tasks: number;
}

export const ZERO_EGRESS_COUNTS: EgressCounts = {
  read: 0,
  skipped: 0,
  created: 0,
  duplicates: 0,
  rejected: 0,
  tasks: 0,
};
