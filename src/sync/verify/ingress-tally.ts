import { type DriftCategory } from './categories';
import { compactKey, expandKey } from './compact-key';

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
/** Bits of an entry's state: times seen in Campaign (0-3, saturating), digest mismatch, kind (two bits). */
const SEEN_MASK = 0b11;
const MISMATCH = 0b100;
const KIND_SHIFT = 3;

/**
 * The first pass of an ingress verify, in memory proportional to the keys only (about 60 bytes per key, measured in
 * bench/verify.ts): every D365 row leaves its key (a D365 id packed into 16 characters), an index, and at that index
 * its mapped record's 32-bit digest and one byte of state (what the mapping makes of it, how often Campaign holds the
 * key, whether the digests differ); then every Campaign record is checked against it as the listing streams by.
 * Pure: no I/O.
 */
export class IngressTally {
  private readonly index = new Map<string, number>();
  private digests = new Uint32Array(1024);
  private states = new Uint8Array(1024);
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
    const compact = compactKey(key);
    let at = this.index.get(compact);
    if (at === undefined) {
      at = this.index.size;
      this.index.set(compact, at);
      this.grow(at + 1);
    }
    this.digests[at] = digest;
    this.states[at] = KINDS.indexOf(kind) << KIND_SHIFT;
  }

  /** A Campaign record: its key (undefined when it has none) and its digest over the same fields. */
  addTarget(key: string | undefined, digest: number): void {
    this.tally.campaignRecords += 1;
    if (key === undefined) {
      this.tally.campaignUnkeyed += 1;
      return;
    }
    const at = this.index.get(compactKey(key));
    if (at === undefined) {
      this.orphans.set(key, (this.orphans.get(key) ?? 0) + 1);
      return;
    }
    const state = this.states[at] ?? 0;
    const seen = Math.min((state & SEEN_MASK) + 1, SEEN_MASK);
    const mismatch = this.digests[at] !== digest >>> 0 ? MISMATCH : 0;
    this.states[at] = (state & ~SEEN_MASK) | seen | mismatch;
  }

  /** The keys to re-check, in D365 order then Campaign order, and the counts of the pass. */
  finish(): { candidates: Candidate[]; counts: TallyCounts } {
    const candidates: Candidate[] = [];
    const counts = { ...this.tally };
    for (const [compact, at] of this.index) {
      const state = this.states[at] ?? 0;
      const seen = state & SEEN_MASK;
      const kind = KINDS[state >> KIND_SHIFT];
      const candidate = (category: DriftCategory) => candidates.push({ key: expandKey(compact), category });
      if (seen > 1) candidate('duplicate');
      else if (kind === 'expected' && seen === 0) candidate('missing');
      else if (kind === 'expected' && (state & MISMATCH) !== 0) candidate('fields');
      else if (kind === 'expected') counts.agree += 1;
      else if (kind === 'filteredOut' && seen === 1) {
        if (this.options.deleteFilteredOut) candidate('filteredOut');
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

  private grow(size: number): void {
    if (size <= this.digests.length) return;
    const digests = new Uint32Array(this.digests.length * 2);
    digests.set(this.digests);
    this.digests = digests;
    const states = new Uint8Array(this.states.length * 2);
    states.set(this.states);
    this.states = states;
  }
}
