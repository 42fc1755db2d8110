const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** True for durations written like `30s`, `5m`, `1h`, `1d` or `500ms` (greater than zero). */
export function isDuration(text: string): boolean {
  const match = DURATION.exec(text);
  return match !== null && Number(match[1]) > 0;
}

/** Milliseconds in a duration like `5m`. Throws on anything {@link isDuration} refuses. */
export function durationToMs(text: string): number {
  const match = DURATION.exec(text);
  if (!match || !isDuration(text)) throw new Error(`"${text}" is not a duration like 30s, 5m, 1h or 1d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
