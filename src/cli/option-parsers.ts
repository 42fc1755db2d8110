import { InvalidArgumentError } from 'commander';

/** Commander parser for a TCP port (1-65535). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError('must be a TCP port (1-65535).');
  return port;
}

/** Commander parser for a whole number, 0 or more (a port of 0 means "any free port"). */
export function parseCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return number;
}

/** Commander parser for a non-negative number that may have decimals (e.g. milliseconds per row: 0.2). */
export function parseNonNegative(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0)
    throw new InvalidArgumentError('must be a number, 0 or more (decimals allowed)');
  return number;
}

/** Commander parser for a cost model preset: `none` (answers at once) or `production` (docs/cost-model.md). */
export function parseCostPreset(value: string): 'none' | 'production' {
  if (value !== 'none' && value !== 'production') throw new InvalidArgumentError('must be none or production');
  return value;
}
