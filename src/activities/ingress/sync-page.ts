import { forEachBounded } from '../bounded';
import { type ChangePage, type DynamicsClient, type Row } from '../../connectors/dynamics';
import { readChangePage } from '../change-page';
import { type Logger } from '../../logging/logger';
import {
  type CampaignValue,
  mapRecord,
  type MappedRecord,
  type IngressMode,
  webApiColumnName,
} from '../../sync/ingress';
import { type ProfileLinks } from './profile-links';
import { type LinkedFields, type ResourceLinks } from './resource-links';
import { type IngressCounts, type SyncIngressPageInput, type SyncIngressPageResult, ZERO_COUNTS } from './contracts';
import { type RejectRow, RejectsReport, valueKind } from './rejects-report';
import { type ResolvedMapping } from './resolve';
import { withOptOuts } from './opt-outs-on-create';
import { type CreateFields, deleteByKey, rowFailure, type RowOutcome, writeRecord } from './write-record';

/** The failure type of an expired delta link: the workflow must read everything again. */

/** Asks D365 for choice labels with the rows (`picklists: label`). */
const FORMATTED_VALUES = 'OData.Community.Display.V1.FormattedValue';

/** Heartbeat after this many rows (the SDK throttles heartbeats further). */
const HEARTBEAT_EVERY_ROWS = 100;

/** What the page heartbeats: where it reads and how far it got (never a record). */
export interface PageProgress {
  link?: string;
  rowsDone: number;
}

export interface SyncPageContext {
  resolved: ResolvedMapping;
  dynamics: DynamicsClient;
  /** Rows per D365 page (`dynamics.pageSize`). */
  pageSize: number;
  /** Records written to Campaign at once (`campaign.maxConcurrentRequests`). */
  concurrency: number;
  /** Where rejects reports go (`reports.folder`). */
  reportsFolder: string;
  logger: Logger;
  /** Called as rows are done; the activity heartbeats with it. */
  progress?: (progress: PageProgress) => void;
  /** A fresh resolver of profile links for one page (see {@link ProfileLinks}). */
  profileLinks(): ProfileLinks;
  /** A fresh resolver of links to custom resources for one page (see {@link ResourceLinks}). */
  resourceLinks(): ResourceLinks;
  /** Stops taking new rows once aborted (activity cancellation). */
  signal?: AbortSignal;
}

/**
 * Reads one change-tracking page and applies it to Campaign: rows are mapped and upserted by key (creates write every
 * mapped field; updates patch only changed fields, and an incremental pass never patches `applyUpdates: false`
 * fields), tombstones delete by key when the mapping applies deletes, filtered-out rows are deleted when
 * `deleteFilteredOut` is set, rejected rows go to the rejects report. Links to profile get the parent's PKey (the
 * parent is written first when Campaign does not have it yet). Safe to repeat: every write is by key.
 */
export async function syncIngressPage(
  context: SyncPageContext,
  input: SyncIngressPageInput
): Promise<SyncIngressPageResult> {
  const { resolved } = context;
  const page = await readOnePage(context, input.link);
  const counts: IngressCounts = { ...ZERO_COUNTS, read: page.upserts.length + page.deletes.length };
  const rejects: RejectRow[] = [];
  const waiting: string[] = [];
  let rowsDone = 0;
  const done = (applied: RowOutcome): void => {
    const outcome = keepWaiting(applied, waiting, input.waitingRoom ?? 0);
    addOutcome(counts, outcome);
    if ('rejects' in outcome) rejects.push(...outcome.rejects);
    rowsDone += 1;
    if (rowsDone % HEARTBEAT_EVERY_ROWS === 0) context.progress?.({ ...linkOf(input), rowsDone });
  };

  const scope: RowScope = {
    resolved,
    links: context.profileLinks(),
    resourceLinks: context.resourceLinks(),
    mode: input.mode,
  };
  const apply = async (row: Row): Promise<RowOutcome> => applyRow(scope, row);
  await forEachBounded(page.upserts, context, async (row) => done(await apply(row)));
  if (resolved.mapping.deletes) {
    await forEachBounded(page.deletes, context, async (tombstone) => done(await applyDelete(resolved, tombstone.id)));
  }
  await new RejectsReport(context.reportsFolder, resolved.mapping.name, input.reportId).append(rejects);
  context.progress?.({ ...linkOf(input), rowsDone });
  context.logger.debug({ mapping: resolved.mapping.name, mode: input.mode, counts }, 'ingress page applied');
  return {
    ...(page.nextLink ? { nextLink: page.nextLink } : {}),
    ...(page.deltaLink ? { deltaLink: page.deltaLink } : {}),
    counts,
    ...(waiting.length > 0 ? { waiting } : {}),
  };
}

/**
 * A row waiting for a linked record is kept (its key in `waiting`) while there is room; past `room`, it is rejected
 * instead, with a reason that says so: its rejects report can be re-driven once the linked records are in Campaign.
 */
export function keepWaiting(outcome: RowOutcome, waiting: string[], room: number): RowOutcome {
  if (outcome.kind !== 'waiting') return outcome;
  if (waiting.length < room) {
    waiting.push(outcome.key);
    return outcome;
  }
  return {
    kind: 'rejected',
    rejects: outcome.waitingFor.map((reason) => ({
      key: outcome.key,
      field: /^([A-Za-z0-9_]+): /.exec(reason)?.[1] ?? '(record)',
      valueKind: 'string',
      reason: `${reason}, and no more records can wait in this pass; re-drive this report once it is`,
    })),
  };
}

/** The page at `link` (a stored next link or delta link), or the first page of a full read. */
function readOnePage(context: SyncPageContext, link: string | undefined): Promise<ChangePage> {
  const { plan, table } = context.resolved;
  return readChangePage(context.dynamics, table.entitySetName, {
    select: [...plan.select],
    pageSize: context.pageSize,
    includeAnnotations: FORMATTED_VALUES,
    ...(link ? { startLink: link } : {}),
  });
}

/** What applying one row needs. */
export interface RowScope {
  resolved: ResolvedMapping;
  links: ProfileLinks;
  resourceLinks: ResourceLinks;
  mode: IngressMode;
}

/**
 * A D365 delete applied to Campaign. Campaign may refuse it (a link whose behaviour forbids deleting a record others
 * link to): the record is then rejected with the reason, and the page goes on.
 */
async function applyDelete(resolved: ResolvedMapping, key: string): Promise<RowOutcome> {
  try {
    return { kind: 'deleted', count: (await deleteByKey(resolved, key)) ? 1 : 0 };
  } catch (error) {
    const reason = rowFailure(error);
    if (reason === undefined) throw error;
    return {
      kind: 'rejected',
      rejects: [{ key, field: '(record)', valueKind: 'absent', reason: `delete: ${reason}` }],
    };
  }
}

export async function applyRow(scope: RowScope, row: Row): Promise<RowOutcome> {
  const mapped = mapRecord(row, scope.resolved.plan, scope.mode);
  try {
    return await applyMapped(scope, row, mapped);
  } catch (error) {
    const reason = rowFailure(error);
    if (reason === undefined) throw error;
    return rejected(scope.resolved, row, { kind: 'rejected', key: mapped.key, reasons: [reason] });
  }
}

async function applyMapped(scope: RowScope, row: Row, mapped: MappedRecord): Promise<RowOutcome> {
  const { resolved, mode } = scope;
  switch (mapped.kind) {
    case 'rejected':
      return rejected(resolved, row, mapped);
    case 'filtered-out': {
      const deleted = resolved.plan.deleteFilteredOut ? await deleteByKey(resolved, mapped.key) : false;
      return { kind: 'filteredOut', deleted };
    }
    case 'write': {
      // Links to custom resources first: a record whose linked record is not in Campaign yet waits, written nowhere.
      const withLinks = async (values: Record<string, CampaignValue>): Promise<CreateFields> => {
        const linked: LinkedFields =
          resolved.resourceLinks.length === 0
            ? { ok: true, fields: values }
            : await scope.resourceLinks.resolve(values, resolved.resourceLinks);
        if (!linked.ok || resolved.profileLinks.length === 0) return linked;
        return scope.links.resolve(linked.fields as Record<string, CampaignValue>, resolved.profileLinks);
      };
      const fields = await withLinks(mapped.values);
      if (!fields.ok && 'waitingFor' in fields) {
        return { kind: 'waiting', key: mapped.key, waitingFor: fields.waitingFor };
      }
      // A create writes every mapped field, even in an incremental pass: map again in full mode when needed.
      const allFields = async (): Promise<CreateFields> => {
        if (mode === 'full') return fields;
        const full = mapRecord(row, resolved.plan, 'full');
        if (full.kind === 'write') return withLinks(full.values);
        return { ok: false, reasons: full.kind === 'rejected' ? full.reasons : ['(record): the filter changed'] };
      };
      const forCreate = async (): Promise<CreateFields> => {
        const created = await allFields();
        return created.ok ? { ok: true, fields: withOptOuts(created.fields, row, resolved.optOutsOnCreate) } : created;
      };
      const outcome = fields.ok
        ? await writeRecord(resolved, mapped.key, fields.fields, forCreate)
        : { kind: 'rejected' as const, reasons: fields.reasons };
      if (outcome.kind === 'waiting') return { ...outcome, key: mapped.key };
      return outcome.kind === 'rejected'
        ? rejected(resolved, row, { kind: 'rejected', key: mapped.key, reasons: outcome.reasons })
        : outcome;
    }
  }
}

function rejected(
  resolved: ResolvedMapping,
  row: Row,
  record: Extract<MappedRecord, { kind: 'rejected' }>
): RowOutcome {
  const { plan } = resolved;
  const columns = [plan.key.column, ...plan.fields.map((field) => field.column)];
  return {
    kind: 'rejected',
    rejects: record.reasons.map((reason) => {
      // Reasons start with the column or field at fault: `emailaddress1: …` or `email: …`.
      const name = /^([A-Za-z0-9_]+): /.exec(reason)?.[1];
      const planned = plan.fields.find((field) => field.field.name === name);
      const column = planned?.column ?? columns.find((candidate) => candidate.logicalName === name);
      return {
        key: record.key ?? '',
        field: name ?? '(record)',
        valueKind: column ? valueKind(row[webApiColumnName(column)]) : '',
        reason,
      };
    }),
  };
}

export function addOutcome(counts: IngressCounts, outcome: RowOutcome): void {
  switch (outcome.kind) {
    case 'created':
    case 'updated':
    case 'unchanged':
      counts[outcome.kind] += 1;
      return;
    case 'deleted':
      counts.deleted += outcome.count;
      return;
    case 'filteredOut':
      counts.filteredOut += 1;
      if (outcome.deleted) counts.deleted += 1;
      return;
    case 'rejected':
      counts.rejected += 1;
      return;
    case 'waiting':
      counts.waiting += 1;
  }
}

function linkOf(input: SyncIngressPageInput): { link?: string } {
  return input.link ? { link: input.link } : {};
}
