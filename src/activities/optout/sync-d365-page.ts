import { type ResourceClient } from '../../connectors/campaign';
import { type ChangePage, type DynamicsClient } from '../../connectors/dynamics';
import { readChangePage } from '../change-page';
import { type Logger } from '../../logging/logger';
import { OptOutAudit } from './audit-report';
import { forEachBounded } from '../bounded';
import { type SyncOptOutD365PageInput, type SyncOptOutD365PageResult } from './contracts';
import { reconcileScope } from './reconcile';
import { contactColumns, type ContactContext, reconcileContactRow } from './reconcile-contact';
import { CONTACT_ID, CONTACTS_SET } from './settings';

/** Heartbeat after this many rows (the SDK throttles heartbeats further). */
const HEARTBEAT_EVERY_ROWS = 50;

export interface OptOutPageContext extends ContactContext {
  dynamics: DynamicsClient;
  profiles: ResourceClient;
  /** Rows per D365 page (`dynamics.pageSize`). */
  pageSize: number;
  /** Records handled at once (`campaign.maxConcurrentRequests`). */
  concurrency: number;
  logger: Logger;
  progress?: (progress: { link?: string; rowsDone: number }) => void;
  signal?: AbortSignal;
}

/**
 * Reads one change-tracking page of contacts (only `contactid`, the paired columns, `modifiedon` and what the contact
 * mapping's filter reads) and reconciles each contact with the profile whose `externalId` is its id. A contact
 * without a profile that ingress will write is returned among the missing ids (up to the room the pass has left), for
 * later passes to revisit. Deleted contacts are ignored (opt-outs are not deleted with them). Safe to repeat: each
 * write sets a value, and a repeated page finds both sides already equal.
 */
export async function syncOptOutD365Page(
  context: OptOutPageContext,
  input: SyncOptOutD365PageInput
): Promise<SyncOptOutD365PageResult> {
  const page = await readOnePage(context, input.link);
  const scope = reconcileScope(context.settings.mode, context.dynamics, context.profiles);
  const { counts } = scope;
  counts.read = page.upserts.length;
  let rowsDone = 0;
  const missing: string[] = [];
  const work = forEachBounded(page.upserts, context, async (row) => {
    if ((await reconcileContactRow(context, scope, row)) === 'missing') missing.push(String(row[CONTACT_ID]));
    rowsDone += 1;
    if (rowsDone % HEARTBEAT_EVERY_ROWS === 0) context.progress?.({ ...linkOf(input), rowsDone });
  });
  await scope.updates.completeAfter(work);
  await new OptOutAudit(context.settings.reportsFolder, input.reportId).append(scope.audit);
  context.progress?.({ ...linkOf(input), rowsDone });
  context.logger.debug({ counts }, 'opt-out D365 page applied');
  return {
    ...(page.nextLink ? { nextLink: page.nextLink } : {}),
    ...(page.deltaLink ? { deltaLink: page.deltaLink } : {}),
    counts,
    missing: missing.slice(0, Math.max(0, input.pendingRoom)),
    overflow: missing.length > input.pendingRoom,
  };
}

function readOnePage(context: OptOutPageContext, link: string | undefined): Promise<ChangePage> {
  return readChangePage(context.dynamics, CONTACTS_SET, {
    select: contactColumns(context),
    pageSize: context.pageSize,
    ...(link ? { startLink: link } : {}),
  });
}

function linkOf(input: SyncOptOutD365PageInput): { link?: string } {
  return input.link ? { link: input.link } : {};
}
