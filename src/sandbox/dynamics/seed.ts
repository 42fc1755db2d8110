import { type Value } from './schema';

/** Every seeded row was created and last modified at this instant plus its index in seconds. */
export const SEED_EPOCH_MS = Date.UTC(2024, 0, 1);

const FIRST_NAMES = ['Ada', 'Bruno', 'Chloe', 'Dmitri', 'Elena', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas'];
const LAST_NAMES = ['Martin', 'Okafor', 'Schmidt', 'Tanaka', 'Rossi', 'Dubois', 'Novak', 'Silva', 'Larsen', 'Kim'];
const CITIES = ['Paris', 'Lagos', 'Berlin', 'Osaka', 'Milan', 'Lyon', 'Prague', 'Porto', 'Oslo', 'Seoul'];

/** A cheap integer hash (deterministic, well spread) so seeded values look varied without a PRNG per row. */
function mix(index: number, salt: number): number {
  let h = Math.imul(index ^ salt, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0').slice(-width);
}

/**
 * The id of seeded row `index`: random-looking, but the last 12 hex digits are the index, so an id maps back
 * to its row without storing anything.
 */
export function seededId(tableSalt: number, index: number): string {
  return `${hex(mix(index, tableSalt), 8)}-${hex(mix(index, tableSalt + 1), 4)}-4${hex(mix(index, tableSalt + 2), 3)}-a${hex(
    mix(index, tableSalt + 3),
    3
  )}-${hex(index, 12)}`;
}

/** The index of a seeded id, or undefined when the id is not one this table seeded. */
export function seededIndex(tableSalt: number, id: string, seededCount: number): number | undefined {
  const index = Number.parseInt(id.slice(-12), 16);
  if (!Number.isInteger(index) || index < 0 || index >= seededCount) return undefined;
  return seededId(tableSalt, index) === id.toLowerCase() ? index : undefined;
}

export function seedTimestamp(index: number): string {
  return new Date(SEED_EPOCH_MS + index * 1000).toISOString().replace('.000Z', 'Z');
}

/** Column values of seeded contact `index` (system columns are added by the store). */
export function seededContact(index: number): Record<string, Value> {
  const first = FIRST_NAMES[mix(index, 11) % FIRST_NAMES.length] ?? 'Ada';
  const last = LAST_NAMES[mix(index, 12) % LAST_NAMES.length] ?? 'Martin';
  const inactive = mix(index, 13) % 20 === 0;
  const month = (mix(index, 14) % 12) + 1;
  const day = (mix(index, 15) % 28) + 1;
  const year = 1950 + (mix(index, 16) % 55);
  return {
    firstname: first,
    lastname: last,
    fullname: `${first} ${last}`,
    emailaddress1: `${first.toLowerCase()}.${last.toLowerCase()}.${index}@example.com`,
    emailaddress2: null,
    emailaddress3: null,
    telephone1: `+1 555 ${hex(index, 7)}`,
    telephone2: null,
    mobilephone: mix(index, 17) % 3 === 0 ? null : `+1 555 ${hex(mix(index, 18), 7)}`,
    address1_city: CITIES[mix(index, 19) % CITIES.length] ?? 'Paris',
    address1_country: null,
    address1_postalcode: String(mix(index, 20) % 100000).padStart(5, '0'),
    birthdate:
      mix(index, 21) % 4 === 0 ? null : `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    gendercode: (mix(index, 22) % 2) + 1,
    description: null,
    statecode: inactive ? 1 : 0,
    statuscode: inactive ? 2 : 1,
    donotemail: mix(index, 23) % 10 === 0,
    donotbulkemail: mix(index, 24) % 7 === 0,
    donotphone: false,
    donotfax: false,
    donotpostalmail: false,
    donotbulkpostalmail: false,
    donotsendmm: false,
    followemail: true,
    _parentcustomerid_value: null,
  };
}
