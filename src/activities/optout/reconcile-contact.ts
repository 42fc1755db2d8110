import { type ResourceClient } from '../../connectors/campaign';
import { type Row } from '../../connectors/dynamics';
import { type ContactScope } from './contact-scope';
import { campaignSide, d365Side, lookupProfile, reconcileRecord, type ReconcileScope } from './reconcile';
import { CONTACT_ID, MODIFIED_ON, type OptOutSettings } from './settings';

/** What reading and reconciling one contact row needs. */
export interface ContactContext {
  settings: OptOutSettings;
  profiles: ResourceClient;
  /** The contacts ingress writes to profiles. */
  contacts: ContactScope;
}

/** The contact columns the D365 side reads: id, the paired columns, `modifiedon` and the columns of the scope. */
export function contactColumns(context: ContactContext): string[] {
  const columns = [CONTACT_ID, ...context.settings.pairs.map((pair) => pair.column), MODIFIED_ON];
  return [...new Set([...columns, ...context.contacts.columns])];
}

/**
 * Reconciles one contact row with the profile whose externalId is its id. Returns `missing` when the contact has no
 * profile yet but ingress will write one: the caller keeps its id so that a later pass looks again.
 */
export async function reconcileContactRow(
  context: ContactContext,
  scope: ReconcileScope,
  row: Row
): Promise<'missing' | 'done'> {
  const contactId = row[CONTACT_ID];
  if (typeof contactId !== 'string' || contactId === '') {
    scope.counts.rejected += 1;
    scope.audit.push(note('', 'the D365 row has no contactid'));
    return 'done';
  }
  const lookup = await lookupProfile(context.profiles, contactId);
  if (lookup.kind === 'ambiguous') {
    scope.counts.rejected += 1;
    scope.audit.push(note(contactId, lookup.reason));
    return 'done';
  }
  if (lookup.kind === 'missing') {
    if (!context.contacts.includes(row)) {
      scope.counts.outOfScope += 1;
      scope.audit.push(
        note(contactId, `no Campaign profile has this contact id, and ${context.contacts.outsideReason}; skipped`)
      );
      return 'done';
    }
    scope.counts.missing += 1;
    scope.audit.push(
      note(contactId, 'no Campaign profile has this contact id as externalId yet; a later pass looks again')
    );
    return 'missing';
  }
  const { profile } = lookup;
  const states = context.settings.pairs.map((pair) => ({
    pair,
    d365: d365Side(row, pair),
    campaign: campaignSide(profile, pair),
  }));
  await reconcileRecord(scope, { contactId, pkey: profile.PKey }, states);
  return 'done';
}

function note(key: string, reason: string): ReconcileScope['audit'][number] {
  return { key, attribute: '', old: '', new: '', winner: 'none', reason };
}
