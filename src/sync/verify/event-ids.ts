/** The event ids that more than one activity carries, with how many carry each (activity rows' `acs_eventid`). */
export function duplicateEventIds(eventIds: Iterable<string>): Map<string, number> {
  const seen = new Map<string, number>();
  for (const id of eventIds) {
    // Dataverse compares alternate-key text without case.
    const key = id.toLowerCase();
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return new Map([...seen].filter(([, count]) => count > 1));
}
