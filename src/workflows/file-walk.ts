import { getExternalWorkflowHandle, workflowInfo, type SignalDefinition } from '@temporalio/workflow';
import type {
  ExportFile,
  FileTrouble,
  FileVersion,
  ListExportFilesInput,
  ListExportFilesResult,
  SettleExportFileInput,
  SettleExportFileResult,
  SkippedFile,
} from '../activities/export-files/contracts';

/** How far the application of one file got: `nextByte` is where `nextLine` starts in a plain CSV file. */
export interface FileProgress {
  file: string;
  nextLine: number;
  nextByte?: number;
  /** The version being read (absent in cursors of earlier versions). */
  version?: FileVersion;
}

/** Where a flow is in its export folder: the last file settled, and how far each file being applied got. */
export interface FileCursor {
  lastFile?: string;
  /** The files being applied, in the order they started. One object: a cursor of an earlier version (one file at once). */
  inProgress?: FileProgress[] | FileProgress;
}

/** Where one slice call starts. */
export interface SliceStart {
  fromLine: number;
  fromByte?: number;
  version: FileVersion;
}

/** What one slice call did: where to go on (absent: the file is done), or why it could not. */
export interface SliceOutcome {
  nextLine?: number;
  nextByte?: number;
  trouble?: FileTrouble;
}

/** The activities of one flow's walk, in the order the walk calls them. */
export interface FileWalkSteps {
  list(input: ListExportFilesInput): Promise<ListExportFilesResult>;
  /** Applies one slice of a file; the flow adds up the slice's counts itself. */
  slice(file: string, start: SliceStart): Promise<SliceOutcome>;
  settle(input: SettleExportFileInput): Promise<SettleExportFileResult>;
  /** The manager's checkpoint signal, sent the cursor after each slice and file. */
  checkpoint: SignalDefinition<[FileCursor]>;
}

export interface FileWalkResult {
  cursor: FileCursor;
  /** Files settled this pass (applied and archived, or set aside). */
  files: number;
  /** Files set aside or left for the next pass, and why. */
  skipped: SkippedFile[];
}

/** A file replaced or appended to while read is read again from the start this many times in a pass, then left. */
export const READS_PER_CHANGING_FILE = 3;

/**
 * One pass over an export folder: the files in progress first (each from its line), then every other file in the
 * folder by name, each a slice of lines per activity, `filesAtOnce` files at a time; the cursor goes to the manager
 * after each slice. A file is archived only after all its writes are durable and only if it is still the version
 * read; one that changed is read again from the start (writes are idempotent), one that vanished or cannot be read is
 * reported and the walk goes on. With one file at a time (opt-out: a later file overrides an earlier one), files are
 * applied strictly in that order.
 */
export async function walkExportFiles(
  start: FileCursor,
  steps: FileWalkSteps,
  filesAtOnce = 1
): Promise<FileWalkResult> {
  const progress = new Map(filesInProgress(start).map((file) => [file.file, file]));
  let lastFile = start.lastFile;
  const skipped: SkippedFile[] = [];
  const report = (): Promise<void> => reportCursor(steps.checkpoint, cursorNow());
  const resumed = [...progress.keys()];
  const listing = await steps.list(resumed.length > 0 ? { inProgress: resumed } : {});
  const archived = archivedOf(listing, resumed);
  const gone = resumed.filter((name) => !listing.files.some((file) => file.name === name));
  for (const name of gone) {
    // Gone since the last pass: archived by it (done), or removed by someone (reported).
    if (archived.has(name)) lastFile = name;
    else skipped.push({ file: name, reason: VANISHED });
    progress.delete(name);
  }
  if (gone.length > 0) await report();
  const ordered = [...listing.files].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1));
  const queue = [...ordered];
  let settled = 0;
  // The last file settled in the walk's order, whichever finished last: the cursor says the same whatever the timing.
  let lastSettled = -1;
  const lane = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) if (await applyFile(next)) settled += 1;
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(filesAtOnce, queue.length)) }, lane));
  // In the walk's order too, not in the order the files happened to finish.
  const position = (file: string): number => ordered.findIndex((listed) => listed.name === file);
  skipped.sort((a, b) => position(a.file) - position(b.file));
  return { cursor: cursorNow(), files: settled, skipped };

  /** Applies one file slice by slice, then settles it; true when it was archived or set aside. */
  async function applyFile(listed: ExportFile): Promise<boolean> {
    let version: FileVersion = { size: listed.size, modifiedAt: listed.modifiedAt };
    const carried = progress.get(listed.name);
    const sameVersion = carried && (!carried.version || sameFileVersion(carried.version, version));
    let from: { fromLine: number; fromByte?: number } = sameVersion
      ? { fromLine: carried.nextLine, ...(carried.nextByte ? { fromByte: carried.nextByte } : {}) }
      : { fromLine: 2 };
    let reads = 1;
    let outcome: 'settled' | 'left' | undefined;
    while (!outcome) {
      const slice = await steps.slice(listed.name, { ...from, version });
      let trouble = slice.trouble;
      if (!trouble && slice.nextLine !== undefined) {
        from = { fromLine: slice.nextLine, ...(slice.nextByte ? { fromByte: slice.nextByte } : {}) };
        progress.set(listed.name, { file: listed.name, nextLine: slice.nextLine, ...nextByteOf(slice), version });
        await report();
        continue;
      }
      if (!trouble) trouble = (await steps.settle({ file: listed.name, as: 'processed', version })).trouble;
      switch (trouble?.kind) {
        case undefined:
        case 'archived':
          outcome = 'settled';
          break;
        case 'changed':
          if (reads === READS_PER_CHANGING_FILE) {
            skipped.push({
              file: listed.name,
              reason: `it changed ${reads} times while it was read; left for the next pass`,
            });
            outcome = 'left';
          } else {
            reads += 1;
            version = trouble.now;
            from = { fromLine: 2 };
            progress.set(listed.name, { file: listed.name, nextLine: 2, version });
            await report();
          }
          break;
        case 'vanished':
          skipped.push({ file: listed.name, reason: VANISHED });
          outcome = 'left';
          break;
        case 'unreadable':
          await steps.settle({ file: listed.name, as: 'rejected' });
          skipped.push({
            file: listed.name,
            reason: `${trouble.reason} (line ${trouble.line}); set aside in rejected/`,
          });
          outcome = 'settled';
          break;
      }
    }
    if (outcome === 'settled' && ordered.indexOf(listed) > lastSettled) {
      lastSettled = ordered.indexOf(listed);
      lastFile = listed.name;
    }
    progress.delete(listed.name);
    await report();
    return outcome === 'settled';
  }

  /** The cursor as it stands: a new object each time, so a checkpoint sent is never changed afterwards. */
  function cursorNow(): FileCursor {
    return {
      ...(lastFile !== undefined ? { lastFile } : {}),
      ...(progress.size > 0 ? { inProgress: [...progress.values()] } : {}),
    };
  }

  /** The files in progress go first, in the order they started, so that a pass finishes what the last one started. */
  function rank(name: string): number {
    const index = resumed.indexOf(name);
    return index === -1 ? resumed.length : index;
  }
}

/** The files a cursor has in progress, whether it was written by this version (a list) or an earlier one (one). */
export function filesInProgress(cursor: FileCursor): FileProgress[] {
  const { inProgress } = cursor;
  if (inProgress === undefined) return [];
  return Array.isArray(inProgress) ? inProgress : [inProgress];
}

/** The files in progress that the listing found archived (a listing of an earlier version answers for one file). */
function archivedOf(listing: ListExportFilesResult, resumed: readonly string[]): Set<string> {
  if (listing.archived) return new Set(listing.archived);
  return new Set(listing.inProgressArchived && resumed.length === 1 ? resumed : []);
}

const VANISHED = 'it vanished after it was listed: neither in the folder nor in processed/';

function nextByteOf(slice: SliceOutcome): { nextByte?: number } {
  return slice.nextByte ? { nextByte: slice.nextByte } : {};
}

function sameFileVersion(a: FileVersion, b: FileVersion): boolean {
  return a.size === b.size && a.modifiedAt === b.modifiedAt;
}

async function reportCursor(signal: SignalDefinition<[FileCursor]>, cursor: FileCursor): Promise<void> {
  const parent = workflowInfo().parent;
  if (parent) await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(signal, cursor);
}
