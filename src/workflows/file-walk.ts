import { getExternalWorkflowHandle, workflowInfo, type SignalDefinition } from '@temporalio/workflow';
import type {
  FileTrouble,
  FileVersion,
  ListExportFilesInput,
  ListExportFilesResult,
  SettleExportFileInput,
  SettleExportFileResult,
  SkippedFile,
} from '../activities/export-files/contracts';

/** Where a flow is in its export folder: the last file settled, and how far the file being applied got. */
export interface FileCursor {
  lastFile?: string;
  /** `nextByte`: where `nextLine` starts in a plain CSV file; `version`: the version being read (absent before). */
  inProgress?: { file: string; nextLine: number; nextByte?: number; version?: FileVersion };
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
 * One pass over an export folder: the file in progress first (from its line), then every other file in the folder
 * by name, each a slice of lines per activity; the cursor goes to the manager after each slice. A file is archived
 * only after all its writes are durable and only if it is still the version read; one that changed is read again
 * from the start (writes are idempotent), one that vanished or cannot be read is reported and the walk goes on.
 */
export async function walkExportFiles(start: FileCursor, steps: FileWalkSteps): Promise<FileWalkResult> {
  const cursor: FileCursor = { ...start };
  const skipped: SkippedFile[] = [];
  const report = (): Promise<void> => reportCursor(steps.checkpoint, cursor);
  const resumed = cursor.inProgress;
  const { files, inProgressArchived } = await steps.list(resumed ? { inProgress: resumed.file } : {});
  if (resumed && !files.some((file) => file.name === resumed.file)) {
    // Gone since the last pass: archived by it (done), or removed by someone (reported).
    if (inProgressArchived) cursor.lastFile = resumed.file;
    else skipped.push({ file: resumed.file, reason: VANISHED });
    delete cursor.inProgress;
    await report();
  }
  const ordered = [...files].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1));
  let settled = 0;
  for (const listed of ordered) {
    let version: FileVersion = { size: listed.size, modifiedAt: listed.modifiedAt };
    const carried = cursor.inProgress?.file === listed.name ? cursor.inProgress : undefined;
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
        cursor.inProgress = { file: listed.name, nextLine: slice.nextLine, ...nextByteOf(slice), version };
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
            cursor.inProgress = { file: listed.name, nextLine: 2, version };
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
    if (outcome === 'settled') {
      cursor.lastFile = listed.name;
      settled += 1;
    }
    delete cursor.inProgress;
    await report();
  }
  return { cursor, files: settled, skipped };

  /** The file in progress goes first, so that a pass finishes what the last one started. */
  function rank(name: string): number {
    return name === cursor.inProgress?.file ? 0 : 1;
  }
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
