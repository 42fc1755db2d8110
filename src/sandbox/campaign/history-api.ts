import { createHash } from 'node:crypto';
import { AcsError, AcsErrorCode } from './acs-error';
import { type EmailEvent } from './export-feeds';
import { type CampaignStore } from './record-store';
import { type ApiAnswer } from './resource-api';

const LABELS: Record<EmailEvent['eventType'], string> = {
  send: 'Send via email',
  bounce: 'Failed email',
  open: 'Email opened',
  click: 'Email clicked',
};

/**
 * `GET /<api>/history/<profile PKey>` and `.../events`: a profile's marketing history, from the events the export
 * generator produced for it. Sends and bounces are delivery-log events (`outbound`); opens and clicks tracking events.
 */
export function historyAnswer(
  store: CampaignStore,
  baseUrl: string,
  api: string,
  segments: string[],
  eventsOf: (externalId: string) => EmailEvent[]
): ApiAnswer {
  const [pkey = '', events, ...rest] = segments;
  const profile = store.table('profile')?.get(pkey);
  if (!profile || rest.length > 0 || (events !== undefined && events !== 'events')) {
    throw new AcsError(404, AcsErrorCode.unknownRecord, 'No marketing history at this address.');
  }
  const href = `${baseUrl}/${api}/history/${pkey}`;
  const externalId = typeof profile.values.externalId === 'string' ? profile.values.externalId : '';
  const all = externalId === '' ? [] : eventsOf(externalId);
  if (events === undefined) {
    const broadLogs = all.filter((e) => e.eventType === 'send' || e.eventType === 'bounce');
    return {
      status: 200,
      body: {
        PKey: pkey,
        href,
        countBroadLogEvents: broadLogs.length,
        minBroadLogEvents: broadLogs[0]?.eventDate ?? '',
        events: { href: `${href}/events` },
      },
    };
  }
  const content = all.map((event) => {
    const eventPKey = `@${createHash('sha256').update(event.eventId).digest('base64url')}`;
    return {
      PKey: eventPKey,
      category: 'email',
      date: event.eventDate,
      href: `${href}/events/${eventPKey}`,
      label: LABELS[event.eventType],
      mirrorPage: { href: event.mirrorPageUrl },
      type: event.eventType === 'send' || event.eventType === 'bounce' ? 'outbound' : 'tracking',
    };
  });
  return { status: 200, body: { content, serverSidePagination: true } };
}
