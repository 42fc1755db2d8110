/** The `Prefer` preferences the Web API understands, parsed from one or more comma-joined headers. */
export interface Preferences {
  maxPageSize?: number;
  trackChanges: boolean;
  returnRepresentation: boolean;
  continueOnError: boolean;
  /** The `odata.include-annotations` value, e.g. `*` or a comma list (quotes removed). */
  includeAnnotations?: string;
}

export const MAX_PAGE_SIZE = 5000;

export function parsePreferences(header: string | undefined): Preferences {
  const preferences: Preferences = { trackChanges: false, returnRepresentation: false, continueOnError: false };
  if (!header) return preferences;
  // Split on commas outside double quotes: include-annotations values are quoted comma lists.
  for (const part of header.match(/(?:[^,"]+|"[^"]*")+/g) ?? []) {
    const [rawName, ...rest] = part.split('=');
    const name = (rawName ?? '').trim().toLowerCase();
    const value = rest.join('=').trim().replace(/^"|"$/g, '');
    if (name === 'odata.maxpagesize') {
      const size = Number.parseInt(value, 10);
      if (Number.isInteger(size) && size > 0) preferences.maxPageSize = size;
    } else if (name === 'odata.track-changes') preferences.trackChanges = true;
    else if (name === 'return' && value === 'representation') preferences.returnRepresentation = true;
    else if (name === 'odata.continue-on-error') preferences.continueOnError = true;
    else if (name === 'odata.include-annotations') preferences.includeAnnotations = value;
  }
  return preferences;
}

/** Whether an include-annotations preference asks for annotation `name` (`*` and `prefix.*` patterns). */
export function wantsAnnotation(preferences: Preferences, name: string): boolean {
  const wanted = preferences.includeAnnotations;
  if (!wanted) return false;
  return wanted.split(',').some((pattern) => {
    const p = pattern.trim();
    return p === '*' || p === name || (p.endsWith('*') && name.startsWith(p.slice(0, -1)));
  });
}
