import { type DynamicsClient, IDS_PER_QUERY, readRowsById } from '../../connectors/dynamics';
import { type Logger } from '../../logging/logger';
import { forEachBounded } from '../bounded';
import { OptOutAudit } from './audit-report';
import { type RevisitOptOutContactsInput, type RevisitOptOutContactsResult } from './contracts';
import { reconcileScope } from './reconcile';
import { contactColumns, type ContactContext, reconcileContactRow } from './reconcile-contact';
import { CONTACT_ID, CONTACTS_SET } from './settings';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RevisitContext extends ContactContext {
  dynamics: DynamicsClient;
  /** Records handled at once (`campaign.maxConcurrentRequests`). */
  concurrency: number;
  logger: Logger;
  heartbeat?: (idsDone: number) => void;
  signal?: AbortSignal;
}

/**
 * Looks again at contacts an earlier pass found without a profile: reads them by id from D365 (as they are now) and
 * reconciles those whose profile exists by now. A contact D365 no longer has, or that ingress will not write any
 * more, is done with; the others stay missing, for the next pass.
 */
export async function revisitOptOutContacts(
  context: RevisitContext,
  input: RevisitOptOutContactsInput
): Promise<RevisitOptOutContactsResult> {
  const ids = [...new Set(input.ids.filter((id) => GUID.test(id)).map((id) => id.toLowerCase()))];
  const scope = reconcileScope(context.settings.mode, context.dynamics, context.profiles);
  const { counts } = scope;
  const missing: string[] = [];
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
    const batch = ids.slice(start, start + IDS_PER_QUERY);
    const rows = [
      ...(await readRowsById(context.dynamics, CONTACTS_SET, CONTACT_ID, contactColumns(context), batch)).values(),
    ];
    counts.read += rows.length;
    const work = forEachBounded(rows, context, async (row) => {
      if ((await reconcileContactRow(context, scope, row)) === 'missing') missing.push(String(row[CONTACT_ID]));
    });
    await scope.updates.completeAfter(work);
    context.heartbeat?.(Math.min(ids.length, start + IDS_PER_QUERY));
  }
  await new OptOutAudit(context.settings.reportsFolder, input.reportId).append(scope.audit);
  context.logger.debug({ ids: ids.length, counts }, 'opt-out contacts without a profile revisited');
  return { missing, counts };
}
