/** A file a pass set aside or could not finish, and why (file name and reason: never a line of the file). */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** A file a pass set aside or left, as `status` shows it. */
export interface SkippedFileNote extends SkippedFile {
  pass: number;
  at: string;
}

/** How many skipped files a manager keeps for `status` (carried by continue-as-new, so bounded). */
export const SKIPPED_FILES_KEPT = 20;

/** The notes kept after a pass: the newest {@link SKIPPED_FILES_KEPT}, newest last. */
export function keepSkippedFiles(
  kept: readonly SkippedFileNote[] | undefined,
  pass: number,
  skipped: readonly SkippedFile[] | undefined,
  at: string
): SkippedFileNote[] | undefined {
  const all = [...(kept ?? []), ...(skipped ?? []).map((file) => ({ ...file, pass, at }))];
  return all.length > 0 ? all.slice(-SKIPPED_FILES_KEPT) : undefined;
}
