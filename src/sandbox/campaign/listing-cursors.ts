import { randomBytes } from 'node:crypto';

interface Listing {
  /** The records of the listing as of its first page, so later pages stay consistent. */
  pkeys: string[];
  offset: number;
}

/**
 * Opaque `_lineStart` tokens: each names a position in a listing snapshot. Clients can only follow the `next.href`
 * they were given; a made-up token is refused. The oldest tokens are forgotten beyond `capacity`.
 */
export class ListingCursors {
  private readonly listings = new Map<string, Listing>();

  constructor(private readonly capacity = 1000) {}

  create(pkeys: string[], offset: number): string {
    const token = `@${randomBytes(24).toString('base64url')}`;
    this.listings.set(token, { pkeys, offset });
    if (this.listings.size > this.capacity) {
      const oldest = this.listings.keys().next().value;
      if (oldest !== undefined) this.listings.delete(oldest);
    }
    return token;
  }

  get(token: string): Listing | undefined {
    return this.listings.get(token);
  }
}
