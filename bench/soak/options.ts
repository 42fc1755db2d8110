/** What a soak run does; every option has a default, so `npm run soak` alone runs 5 minutes at a 10% fault rate. */
export interface SoakOptions {
  /** How long changes and faults go on, before the final catch-up and comparison. */
  minutes: number;
  /** Share of requests (or of fault ticks, for SFTP drops, token revocations and worker kills) that meet a fault. */
  faultRate: number;
  /** Seed of every random choice (changes and faults), printed so that a run can be repeated. */
  seed: number;
  /** D365 contacts seeded before the initial transfer. */
  contacts: number;
}

const USAGE =
  'usage: npm run soak -- [--minutes 5] [--fault-rate 0.1] [--seed <integer>] [--contacts 2000]\n' +
  '  --minutes     how long changes and faults go on (then: catch-up, comparison, lag percentiles)\n' +
  '  --fault-rate  0..1: share of requests answered with a fault, and chance per fault tick of a drop/kill\n' +
  '  --seed        repeat a run exactly (printed at the start)\n' +
  '  --contacts    D365 contacts seeded before the initial transfer';

/** Parses `--name value` pairs; throws the usage text on anything else. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = {
    minutes: 5,
    faultRate: 0.1,
    seed: Math.floor(Math.random() * 2 ** 31),
    contacts: 2000,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, text] = [argv[i], argv[i + 1]];
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value)) throw new Error(`${name} needs a number\n${USAGE}`);
    if (name === '--minutes' && value > 0) options.minutes = value;
    else if (name === '--fault-rate' && value >= 0 && value <= 1) options.faultRate = value;
    else if (name === '--seed' && Number.isInteger(value)) options.seed = value;
    else if (name === '--contacts' && Number.isInteger(value) && value > 0) options.contacts = value;
    else throw new Error(`${name} ${text}: not an option, or out of range\n${USAGE}`);
  }
  return options;
}
