import { posix } from 'node:path';
import { CAMPAIGN_OPT_OUT_ATTRIBUTES } from '../../config/schema';
import { parseAcsDate, type ResourceClient } from '../../connectors/campaign';
import { type DynamicsClient, readRowsById } from '../../connectors/dynamics';
import { ContactPrefetch } from './contact-prefetch';
import { type Logger } from '../../logging/logger';
import { forEachBounded } from '../bounded';
import { campaignApiField } from '../../sync/optout';
import { type AuditRow, OptOutAudit } from './audit-report';
import { type ApplyOptOutFileInput, type ApplyOptOutFileResult, ZERO_OPT_OUT_COUNTS } from './contracts';
import { checkFileName } from './optout-files';
import { type ChangeLine, type ChunkStart, type FileChunk } from './read-file-chunk';
import { type FileTrouble, type FileVersion } from '../export-files';
import {
  campaignSide,
  d365Side,
  lookupProfile,
  reconcileRecord,
  reconcileScope,
  type ReconcileScope,
} from './reconcile';
import { CONTACT_ID, CONTACTS_SET, MODIFIED_ON, type OptOutSettings } from './settings';
import { isMisdecoded, NOT_UTF8 } from '../../sync/text-encoding';

/**
 * Change lines per activity call: small files are one call; large ones resume by line (and byte). Each call ends
 * once its writes are done, which leaves D365 idle for a moment: 10,000 lines (about two minutes at D365's ceiling)
 * make that a small share, as egress slices of 10,000 records do.
 */
export const LINES_PER_CHUNK = 10_000;

/** The Campaign API names a file may carry (docs/campaign-files.md). */
const KNOWN_ATTRIBUTES: ReadonlySet<string> = new Set(CAMPAIGN_OPT_OUT_ATTRIBUTES.map(campaignApiField));

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ApplyFileContext {
  settings: OptOutSettings;
  dynamics: DynamicsClient;
  profiles: ResourceClient;
  readChunk(path: string, start: ChunkStart, maxLines: number, modifiedAt?: number): Promise<FileChunk>;
  /** Whether the file is still the version listed (see {@link fileTrouble}). */
  check(file: string, version?: FileVersion): Promise<{ trouble?: FileTrouble; version?: FileVersion }>;
  /** Profiles handled at once (`campaign.maxConcurrentRequests`). */
  concurrency: number;
  logger: Logger;
  progress?: (progress: { file: string; line: number }) => void;
  signal?: AbortSignal;
}

/**
 * Applies one chunk of an opt-out change file. Each line names a profile (externalId = D365 contact id), an
 * attribute and its new value and time. The line says what changed; the decision uses both systems' current state
 * (the profile's value and `*LastModified` as Campaign holds them now, which are the line's unless the profile changed
 * again since), so a stale line never undoes a later change and a value this flow wrote itself is already equal on
 * both sides. All pairs of the record are decided together, as on the D365 side. A line whose contact or profile no
 * longer exists is counted as missing. The lines of one profile run in file order, one at a time, so two changes of
 * it apply in order; different profiles run at once, and their D365 updates go in `$batch` requests.
 */
export async function applyOptOutFile(
  context: ApplyFileContext,
  input: ApplyOptOutFileInput
): Promise<ApplyOptOutFileResult> {
  checkFileName(input.file);
  const checked = await context.check(input.file, input.version);
  if (checked.trouble) return { counts: { ...ZERO_OPT_OUT_COUNTS }, trouble: checked.trouble };
  const chunk = await context.readChunk(
    posix.join(context.settings.sourceFolder, input.file),
    { fromLine: Math.max(2, input.fromLine), ...(input.fromByte ? { fromByte: input.fromByte } : {}) },
    LINES_PER_CHUNK,
    checked.version?.modifiedAt
  );
  const scope = reconcileScope(context.settings.mode, context.dynamics, context.profiles);
  scope.counts.read = chunk.lines.length;
  const contacts = prefetchContacts(context, chunk.lines);
  let reached = 0;
  // The lines of one profile run in file order, one after the other; different profiles run at once.
  const work = forEachBounded(
    [...linesByProfile(chunk.lines).values()],
    { concurrency: context.concurrency, ...(context.signal ? { signal: context.signal } : {}) },
    async (lines) => {
      for (const line of lines) {
        if (context.signal?.aborted) throw context.signal.reason ?? new Error('the activity was cancelled');
        await applyLine(context, scope, input.file, line, contacts);
        reached = Math.max(reached, line.number);
        context.progress?.({ file: input.file, line: reached });
      }
    }
  );
  await scope.updates.completeAfter(work);
  const { unreadable } = chunk;
  if (unreadable) {
    scope.counts.rejected += 1;
    const reason = `${input.file} line ${unreadable.line}: ${unreadable.reason}; the file is set aside in rejected/`;
    scope.audit.push(auditNote('', '', reason));
  }
  await new OptOutAudit(context.settings.reportsFolder, input.reportId).append(scope.audit);
  const { counts } = scope;
  context.logger.debug({ file: input.file, fromLine: input.fromLine, counts }, 'opt-out file chunk applied');
  if (unreadable) return { counts, trouble: { kind: 'unreadable', ...unreadable } };
  return {
    ...(chunk.nextLine !== undefined ? { nextLine: chunk.nextLine } : {}),
    ...(chunk.nextByte !== undefined ? { nextByte: chunk.nextByte } : {}),
    counts,
  };
}

async function applyLine(
  context: ApplyFileContext,
  scope: ReconcileScope,
  file: string,
  line: ChangeLine,
  contacts: ContactPrefetch
): Promise<void> {
  const note = (kind: 'rejected' | 'missing' | 'skipped', reason: string, key = '', name = ''): void => {
    scope.counts[kind] += 1;
    scope.audit.push(auditNote(key, name, `${file} line ${line.number}: ${reason}`));
  };
  if ('malformed' in line) return note('rejected', line.malformed);
  const { externalId, attribute, value, changedAt } = line.fields;
  // The audit names keys and attributes only when they are what they should be: a line's text may be anything.
  const key = GUID.test(externalId) ? externalId : '';
  const known = KNOWN_ATTRIBUTES.has(attribute) ? attribute : '';
  if (Object.values(line.fields).some(isMisdecoded)) return note('rejected', NOT_UTF8, key, known);
  if (externalId === '') return note('rejected', 'externalId is empty', key, known);
  if (!known) return note('rejected', 'attribute is not a Campaign opt-out attribute', key);
  const pair = context.settings.pairs.find((candidate) => candidate.apiField === attribute);
  if (!pair) return note('skipped', `${attribute} is not paired in optOut.pairs`, key, known);
  if (booleanOf(value) === undefined) return note('rejected', 'value is not true, false, 1 or 0', key, pair.attribute);
  if (!parseAcsDate(changedAt)) return note('rejected', 'changedAt is not a date-time', key, pair.attribute);
  if (!key) return note('missing', 'externalId is not a D365 contact id; skipped', '', pair.attribute);
  // An earlier line's update of this contact must be written before its row is read again.
  await scope.updates.written(externalId);
  const contact = await contacts.take(externalId);
  if (!contact) return note('missing', 'no D365 contact has this id; skipped', key, pair.attribute);
  const lookup = await lookupProfile(context.profiles, externalId);
  if (lookup.kind === 'missing') {
    return note('missing', 'no Campaign profile has this externalId any more; skipped', key, pair.attribute);
  }
  if (lookup.kind === 'ambiguous') return note('rejected', lookup.reason, key, pair.attribute);
  const { profile } = lookup;
  // Every pair of the record, not only the line's: a D365 write moves `modifiedon` for the whole contact, so a
  // disagreement left on another pair would be decided later against that new time, by the wrong side.
  const states = context.settings.pairs.map((each) => ({
    pair: each,
    d365: d365Side(contact, each),
    campaign: campaignSide(profile, each),
  }));
  await reconcileRecord(scope, { contactId: externalId, pkey: profile.PKey }, states);
}

/** The chunk's lines by profile (externalId), each profile's in file order; a malformed line stands alone. */
function linesByProfile(lines: readonly ChangeLine[]): Map<string, ChangeLine[]> {
  const groups = new Map<string, ChangeLine[]>();
  for (const line of lines) {
    const key = 'fields' in line ? line.fields.externalId.toLowerCase() : `line ${line.number}`;
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  return groups;
}

/** The chunk's contacts, read as its lines reach them (see {@link ContactPrefetch}). */
function prefetchContacts(context: ApplyFileContext, lines: readonly ChangeLine[]): ContactPrefetch {
  const columns = [CONTACT_ID, ...context.settings.pairs.map((pair) => pair.column), MODIFIED_ON];
  const paired = new Set(context.settings.pairs.map((pair) => pair.apiField));
  const ids = lines.flatMap((line) =>
    'fields' in line && paired.has(line.fields.attribute) && GUID.test(line.fields.externalId)
      ? [line.fields.externalId]
      : []
  );
  return new ContactPrefetch(ids, (some) => readRowsById(context.dynamics, CONTACTS_SET, CONTACT_ID, columns, some));
}

function booleanOf(text: string): boolean | undefined {
  const normalized = text.trim().toLowerCase();
  if (normalized === 'true' || normalized === '1') return true;
  if (normalized === 'false' || normalized === '0') return false;
  return undefined;
}

function auditNote(key: string, attribute: string, reason: string): AuditRow {
  return { key, attribute, old: '', new: '', winner: 'none', reason };
}
