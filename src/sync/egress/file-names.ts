/** Complete event files: `events_<UTC yyyyMMddHHmmss>_<6-digit sequence>.csv[.gz]` (docs/campaign-files.md). */
const EVENT_FILE_NAME = /^events_\d{14}_\d{6}\.csv(\.gz)?$/;

/** Whether the name is an event file's (a `.part` file, or anything else, is not). */
export function isEventFileName(name: string): boolean {
  return EVENT_FILE_NAME.test(name);
}
