import { IDS_PER_QUERY, type Row } from '../../connectors/dynamics';

/** Reads of {@link IDS_PER_QUERY} ids started ahead of the line that needs the first of them. */
export const READS_AHEAD = 8;

/** Reads contact rows by id (lower-cased ids in the map; an id missing from it has no contact). */
export type ReadContacts = (ids: readonly string[]) => Promise<Map<string, Row>>;

/**
 * The contacts of a chunk's lines, read {@link IDS_PER_QUERY} to a request (an opt-out file echoes every profile the
 * ingress flow wrote, so one request per line spent the D365 request budget), as the lines reach them: the read of
 * a contact's group starts with the lines {@link READS_AHEAD} groups before it, so the lines' Campaign lookups and
 * D365 writes start at once instead of after the whole chunk is read, and a read rarely waits behind the writes.
 * A contact's first line uses the row read here; a later line of it reads it again, since the earlier line may have
 * written it.
 */
export class ContactPrefetch {
  private readonly groups: string[][] = [];
  private readonly groupOf = new Map<string, number>();
  private readonly reads: Promise<Map<string, Row>>[] = [];
  private readonly taken = new Set<string>();

  /** `ids` in the order the lines will ask for them. */
  constructor(
    ids: readonly string[],
    private readonly read: ReadContacts,
    private readonly ahead = READS_AHEAD
  ) {
    for (const id of ids.map((each) => each.toLowerCase())) {
      if (this.groupOf.has(id)) continue;
      if ((this.groups.at(-1)?.length ?? IDS_PER_QUERY) === IDS_PER_QUERY) this.groups.push([]);
      (this.groups.at(-1) as string[]).push(id);
      this.groupOf.set(id, this.groups.length - 1);
    }
  }

  /** The contact's paired columns and `modifiedon`, or undefined when D365 has no such contact. */
  async take(id: string): Promise<Row | undefined> {
    const key = id.toLowerCase();
    const group = this.groupOf.get(key);
    if (group === undefined || this.taken.has(key)) return (await this.read([key])).get(key);
    this.taken.add(key);
    for (let next = group; next <= Math.min(group + this.ahead, this.groups.length - 1); next++) this.start(next);
    return (await (this.reads[group] as Promise<Map<string, Row>>)).get(key);
  }

  private start(group: number): void {
    if (this.reads[group]) return;
    const reading = this.read(this.groups[group] as string[]);
    // Awaited by the group's first line; a read ahead that fails before then must not count as unhandled.
    reading.catch(() => undefined);
    this.reads[group] = reading;
  }
}
