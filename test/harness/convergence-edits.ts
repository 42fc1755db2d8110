import { randomUUID } from 'node:crypto';
import { type DynamicsClient } from '../../src/connectors/dynamics';

/** What the random edits did so far, by kind. */
export interface EditCounts {
  created: number;
  /** Of those created, how many with `donotbulkemail` or `donotemail` already set. */
  createdOptedOut: number;
  updated: number;
  optOutFlips: number;
  deleted: number;
  deactivated: number;
}

/**
 * Seeded random edits of D365 contacts, as users make them: create (some with an opt-out already set), update a mapped
 * field (the one the configuration change adds included), flip an opt-out, delete, deactivate. Only active contacts
 * are edited (D365 refuses writes to inactive ones).
 */
export class ContactEdits {
  readonly counts: EditCounts = {
    created: 0,
    createdOptedOut: 0,
    updated: 0,
    optOutFlips: 0,
    deleted: 0,
    deactivated: 0,
  };

  constructor(
    private readonly d365: DynamicsClient,
    /** Ids of the active contacts; edits keep it current. */
    private readonly active: string[],
    private readonly random: () => number,
    /** Part of the created contacts' names and emails, so that two runs never make the same ones. */
    private readonly tag: number
  ) {}

  async edit(count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const roll = this.random();
      if (roll < 0.2 || this.active.length < 10) await this.create();
      else if (roll < 0.55) await this.update();
      else if (roll < 0.8) await this.flipOptOut();
      else await this.remove(roll < 0.9 ? 'delete' : 'deactivate');
    }
  }

  private async create(): Promise<void> {
    const n = (this.counts.created += 1);
    const id = randomUUID();
    const optOuts = { donotbulkemail: this.random() < 0.4, donotemail: this.random() < 0.3 };
    await this.d365.create('contacts', {
      contactid: id,
      firstname: `New${n}`,
      lastname: `Contact${this.tag % 1000}`,
      emailaddress1: `new${n}.t${this.tag}@example.com`,
      mobilephone: this.random() < 0.5 ? `+1 555 ${String(n).padStart(7, '0')}` : null,
      ...optOuts,
    });
    this.active.push(id);
    if (optOuts.donotbulkemail || optOuts.donotemail) this.counts.createdOptedOut += 1;
  }

  private async update(): Promise<void> {
    const field = this.pick(['firstname', 'lastname', 'emailaddress1', 'mobilephone'] as const);
    const n = Math.floor(this.random() * 1e6);
    const values = {
      firstname: `E${n}`,
      lastname: `E${n}`,
      emailaddress1: `edit${n}@example.com`,
      mobilephone: this.random() < 0.2 ? null : `+1 555 ${String(n).padStart(7, '0')}`,
    };
    await this.d365.update('contacts', this.pick(this.active), { [field]: values[field] });
    this.counts.updated += 1;
  }

  private async flipOptOut(): Promise<void> {
    const column = this.pick(['donotbulkemail', 'donotemail'] as const);
    await this.d365.update('contacts', this.pick(this.active), { [column]: this.random() < 0.5 });
    this.counts.optOutFlips += 1;
  }

  private async remove(how: 'delete' | 'deactivate'): Promise<void> {
    const [id] = this.active.splice(Math.floor(this.random() * this.active.length), 1);
    if (how === 'delete') {
      await this.d365.delete('contacts', id!);
      this.counts.deleted += 1;
    } else {
      await this.d365.update('contacts', id!, { statecode: 1, statuscode: 2 });
      this.counts.deactivated += 1;
    }
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
}
