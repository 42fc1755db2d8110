import { type Database } from './database';
import { valuesForCreate } from './row-values';
import { type TableStore } from './table-store';

export interface LoyaltyDataOptions {
  /** Programs seeded at start. @default 3 */
  programs?: number;
  /** Memberships seeded at start, each of a random contact in one of the programs. @default 200 */
  memberships?: number;
  /** A new program with its first membership, created together, this often (0: none). @default 60000 */
  newProgramEveryMs?: number;
  /** @default 11 */
  seed?: number;
}

export interface LoyaltyData {
  stop(): void;
}

const PROGRAM_NAMES = ['Gold', 'Silver', 'Bronze', 'Platinum', 'Family', 'Student'];

/**
 * The sandbox's linked custom tables: loyalty programs, and memberships that link a contact to a program. Rows are
 * written straight into the store (as the contact trickle does), so change tracking sees them like Web API writes.
 * Every so often a program and its first membership are created at once: whichever mapping's pass runs first, the
 * membership waits for its program and follows it (docs/ingress.md, "Links between custom resources").
 */
export function startLoyaltyData(db: Database, options: LoyaltyDataOptions = {}): LoyaltyData {
  const programs = requireTable(db, 'acs_loyaltyprograms');
  const memberships = requireTable(db, 'acs_memberships');
  const contacts = requireTable(db, 'contacts');
  let state = options.seed ?? 11;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  let programCount = 0;
  const addProgram = (): string => {
    const name = PROGRAM_NAMES[programCount % PROGRAM_NAMES.length] ?? 'Program';
    programCount += 1;
    const id = db.newId();
    programs.insert(
      id,
      valuesForCreate(programs.definition, {
        acs_name: programCount > PROGRAM_NAMES.length ? `${name} ${programCount}` : name,
        acs_pointsrate: 1 + (programCount % 3),
      })
    );
    return id;
  };
  const addMembership = (programId: string): void => {
    const contact = contacts.randomLiveRow(random);
    memberships.insert(
      db.newId(),
      valuesForCreate(memberships.definition, {
        acs_name: `Membership ${Math.floor(random() * 1e6)}`,
        acs_points: Math.floor(random() * 5000),
        _acs_contactid_value: contact?.id ?? null,
        _acs_loyaltyprogramid_value: programId,
      })
    );
  };

  const seeded = Array.from({ length: options.programs ?? 3 }, addProgram);
  for (let i = 0; i < (options.memberships ?? 200); i++) addMembership(seeded[i % seeded.length] ?? '');
  const every = options.newProgramEveryMs ?? 60_000;
  const timer = every > 0 ? setInterval(() => addMembership(addProgram()), every) : undefined;
  timer?.unref();
  return { stop: () => clearInterval(timer) };
}

function requireTable(db: Database, entitySetName: string): TableStore {
  const table = db.table(entitySetName);
  if (!table) throw new Error(`the simulator has no ${entitySetName} table`);
  return table;
}
