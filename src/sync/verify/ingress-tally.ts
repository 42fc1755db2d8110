import { type DriftCategory } from './categories';

/** What the mapping makes of a D365 row: written to Campaign, kept out by the filter, or refused (rejects report). */
export type SourceKind = 'expected' | 'filteredOut' | 'rejected';

/** A key the first pass found different, to be re-read from both systems before it is called drift. */
export interface Candidate {
  key: string;
  category: DriftCategory;
}

export interface IngressTallyOptions {
  /** `deletes: true`: a Campaign record whose row D365 no longer has is drift. */
  deletes: boolean;
  /** `filter.deleteFilteredOut`: a Campaign record of a row the filter keeps out is drift. */
  deleteFilteredOut: boolean;
}

/** Counts of one comparison pass (before the re-check). */
export interface TallyCounts {
  d365Rows: number;
  expected: number;
  filteredOut: number;
  rejected: number;
  campaignRecords: number;
  /** Campaign records without a key (e.g. profiles created in Campaign itself): not the mapping's records. */
  campaignUnkeyed: number;
  /** Campaign records of keys D365 does not have, kept because the mapping does not apply deletes. */
  orphansKept: number;
  /** Campaign records of filtered-out rows, kept because the mapping does not delete them. */
  filteredOutKept: number;
  agree: number;
}

const KINDS: readonly SourceKind[] = ['expected', 'filteredOut', 'rejected'];
/** Low bits of an entry: times seen in Campaign (0-3, saturating), digest mismatch, kind. */
const SEEN_MASK = 0b11;
const MISMATCH = 0b100;
const KIND_SHIFT = 8;
const DIGEST_FACTOR = 1024;

/**
 * The first pass of an ingress verify, in memory proportional to the keys only: every D365 row leaves one number
 * (its mapped record's 32-bit digest, what the mapping makes of it, and how often Campaign holds its key), then every
 * Campaign record is checked against it as the listing streams by. Pure: no I/O.
 */
export class IngressTally {
  private readonly entries = new Map<string, number>();
  /** Keys Campaign holds and D365 does not: few in a healthy system, so kept as they are. */
  private readonly orphans = new Map<string, number>();
  private readonly tally: TallyCounts = {
    d365Rows: 0,
    expected: 0,
    filteredOut: 0,
    rejected: 0,
    campaignRecords: 0,
    campaignUnkeyed: 0,
    orphansKept: 0,
    filteredOutKept: 0,
    agree: 0,
  };

  constructor(private readonly options: IngressTallyOptions) {}

  /** A D365 row: its key, what the mapping makes of it and, when expected in Campaign, its record's digest. */
  addSource(key: string, kind: SourceKind, digest = 0): void {
    this.tally.d365Rows += 1;
    this.tally[kind] += 1;
    this.entries.set(key, digest * DIGEST_FACTOR + KINDS.indexOf(kind) * (1 << KIND_SHIFT));
  }

  /** A Campaign record: its key (undefined when it has none) and its digest over the same fields. */
  addTarget(key: string | undefined, digest: number): void {
    this.tally.campaignRecords += 1;
    if (key === undefined) {
      this.tally.campaignUnkeyed += 1;
      return;
    }
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.orphans.set(key, (this.orphans.get(key) ?? 0) + 1);
      return;
    }
    const low = entry % DIGEST_FACTOR;
    const stored = (entry - low) / DIGEST_FACTOR;
    const seen = Math.min((low & SEEN_MASK) + 1, SEEN_MASK);
    const mismatch = stored !== digest ? MISMATCH : 0;
    this.entries.set(key, entry - (low & SEEN_MASK) + seen + (low & MISMATCH ? 0 : mismatch));
  }

  /** The keys to re-check, in D365 order then Campaign order, and the counts of the pass. */
  finish(): { candidates: Candidate[]; counts: TallyCounts } {
    const candidates: Candidate[] = [];
    const counts = { ...this.tally };
    for (const [key, entry] of this.entries) {
      const low = entry % DIGEST_FACTOR;
      const seen = low & SEEN_MASK;
      const kind = KINDS[Math.floor(low / (1 << KIND_SHIFT))];
      if (seen > 1) candidates.push({ key, category: 'duplicate' });
      else if (kind === 'expected' && seen === 0) candidates.push({ key, category: 'missing' });
      else if (kind === 'expected' && (low & MISMATCH) !== 0) candidates.push({ key, category: 'fields' });
      else if (kind === 'expected') counts.agree += 1;
      else if (kind === 'filteredOut' && seen === 1) {
        if (this.options.deleteFilteredOut) candidates.push({ key, category: 'filteredOut' });
        else counts.filteredOutKept += 1;
      }
    }
    for (const [key, times] of this.orphans) {
      if (this.options.deletes) candidates.push({ key, category: 'orphan' });
      else if (times > 1) candidates.push({ key, category: 'duplicate' });
      else counts.orphansKept += 1;
    }
    return { candidates, counts };
  }
}
