/** The text of a JSON scalar (string, number, boolean); undefined for null, objects and arrays. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
