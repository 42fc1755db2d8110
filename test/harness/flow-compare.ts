import { type WorkflowHandle } from '@temporalio/client';
import { type WorkerResources } from '../../src/activities';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { ingressStatusQuery, type IngressStatus } from '../../src/workflows/ingress/messages';
import { untilQuery } from './polling';

/** Contacts as D365 serves them, by contactid. */
export async function readContacts(resources: WorkerResources): Promise<Map<string, Record<string, unknown>>> {
  const rows = new Map<string, Record<string, unknown>>();
  const select = ['contactid', 'firstname', 'lastname', 'emailaddress1', 'birthdate'];
  for await (const page of resources.dynamics().readPages('contacts', { select })) {
    for (const row of page.rows) rows.set(String(row.contactid), row);
  }
  return rows;
}

/** Profiles as Campaign serves them, and how many carry each externalId (more than one is a duplicate). */
export async function readProfiles(
  resources: WorkerResources
): Promise<{ byKey: Map<string, Record<string, unknown>>; duplicates: string[] }> {
  const byKey = new Map<string, Record<string, unknown>>();
  const duplicates: string[] = [];
  const resource = resources
    .campaign()
    .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
  for await (const record of resource.list({ lineCount: 500 })) {
    if (typeof record.externalId !== 'string' || record.externalId === '') continue;
    if (byKey.has(record.externalId)) duplicates.push(record.externalId);
    byKey.set(record.externalId, record);
  }
  return { byKey, duplicates };
}

/** The mapped fields of every contact and its profile, side by side, for one `toEqual`. */
export async function contactsAndProfiles(resources: WorkerResources): Promise<{
  d365: Record<string, unknown>[];
  campaign: Record<string, unknown>[];
  duplicates: string[];
}> {
  const contacts = await readContacts(resources);
  const profiles = await readProfiles(resources);
  const d365 = [...contacts.entries()]
    .map(([id, c]) => ({
      id,
      firstName: c.firstname ?? '',
      lastName: c.lastname ?? '',
      email: c.emailaddress1 ?? '',
      birthDate: c.birthdate ?? '', // Campaign answers an empty date as ''
    }))
    .sort(byId);
  const campaign = [...profiles.byKey.entries()]
    .map(([id, p]) => ({ id, firstName: p.firstName, lastName: p.lastName, email: p.email, birthDate: p.birthDate }))
    .sort(byId);
  return { d365, campaign, duplicates: profiles.duplicates };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Polls the ingress manager's status query until `done` holds. */
export function untilStatus(
  handle: WorkflowHandle,
  done: (status: IngressStatus) => boolean,
  timeoutMs = 45_000
): Promise<IngressStatus> {
  return untilQuery(handle, ingressStatusQuery, done, timeoutMs);
}
