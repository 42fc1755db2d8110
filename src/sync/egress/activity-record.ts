import { createHash } from 'node:crypto';
import { type EmailEvent, type EmailEventType } from './event';

/** A D365 row body as the Web API takes it. */
export type ActivityBody = Record<string, string | number | null>;

/** The custom activity table of one event type (docs/d365-solution.md). */
export interface ActivityTable {
  logicalName: string;
  entitySetName: string;
  /** The table's date column of the event: sent, opened, clicked or bounced on. */
  dateColumn: string;
}

/** The four custom activity tables the D365 solution adds; every one has the alternate key `acs_eventid`. */
export const ACTIVITY_TABLES: Record<EmailEventType, ActivityTable> = {
  send: { logicalName: 'acs_emailsend', entitySetName: 'acs_emailsends', dateColumn: 'acs_sentdate' },
  open: { logicalName: 'acs_emailopen', entitySetName: 'acs_emailopens', dateColumn: 'acs_openeddate' },
  click: { logicalName: 'acs_emailclick', entitySetName: 'acs_emailclicks', dateColumn: 'acs_clickeddate' },
  bounce: { logicalName: 'acs_emailbounce', entitySetName: 'acs_emailbounces', dateColumn: 'acs_bounceddate' },
};

/** The alternate key column of the activity tables. */
export const EVENT_ID_COLUMN = 'acs_eventid';

/** The standard task table of follow-up tasks. */
export const TASK_TABLE = { logicalName: 'task', entitySetName: 'tasks' } as const;

/** `statecode`/`statuscode` of a completed activity (not valid on create: set by an update after it). */
export const COMPLETED_STATE: ActivityBody = { statecode: 1, statuscode: 2 };

/** Column lengths of the activity tables; longer texts are cut so one long value does not refuse the event. */
const LIMITS = { subject: 200, name: 200, url: 1000, description: 2000 } as const;

export interface RecordOptions {
  /** `systemuserid` of the owning application user (`egress.ownerId`); absent: the caller owns the rows. */
  ownerId?: string;
}

/** Subject of an event's activity: the Campaign ID and Delivery ID, as Adobe's own integration shows it. */
export function activitySubject(event: EmailEvent): string {
  const campaign = event.campaignId === '' ? '' : `${event.campaignId} - `;
  return cut(`${campaign}${event.deliveryId}`, LIMITS.subject);
}

/**
 * The body that creates the event's activity, open (D365 refuses `statecode` on create); {@link COMPLETED_STATE}
 * completes it afterwards. The key column is part of the URL, not of the body.
 */
export function activityRecord(event: EmailEvent, options: RecordOptions = {}): ActivityBody {
  const table = ACTIVITY_TABLES[event.type];
  const when = d365DateTime(event.date);
  const body: ActivityBody = {
    subject: activitySubject(event),
    [`regardingobjectid_contact_${table.logicalName}@odata.bind`]: `/contacts(${event.contactId})`,
    acs_campaignid: cut(event.campaignId, 100),
    acs_deliveryid: cut(event.deliveryId, 100),
    // As Adobe's integration shows them: Campaign Name holds the Campaign ID, Delivery Name the Delivery ID.
    acs_campaignname: cut(event.campaignId, LIMITS.name),
    acs_deliveryname: cut(event.deliveryId, LIMITS.name),
    acs_deliverylabel: event.deliveryLabel === '' ? null : cut(event.deliveryLabel, LIMITS.name),
    [table.dateColumn]: when,
    actualstart: when,
    actualend: when,
    acs_mirrorpageurl: event.mirrorPageUrl === '' ? null : cut(event.mirrorPageUrl, LIMITS.url),
  };
  if (event.type === 'click') body.acs_trackingurl = cut(event.trackingUrl, LIMITS.url);
  if (event.type === 'bounce') {
    const reason = event.bounceReason === '' ? '' : `: ${event.bounceReason}`;
    body.description = cut(`${capitalized(event.bounceType ?? '')} bounce${reason}`, LIMITS.description);
  }
  return withOwner(body, options);
}

/**
 * The columns {@link activityRecord} and {@link COMPLETED_STATE} write on an event type's table (logical names; a
 * lookup by its attribute name, e.g. `regardingobjectid`), for the preflight to check against D365's metadata.
 */
export function activityColumns(type: EmailEventType, options: RecordOptions = {}): string[] {
  const table = ACTIVITY_TABLES[type];
  return [
    'subject',
    'regardingobjectid',
    'acs_campaignid',
    'acs_deliveryid',
    'acs_campaignname',
    'acs_deliveryname',
    'acs_deliverylabel',
    table.dateColumn,
    'actualstart',
    'actualend',
    'acs_mirrorpageurl',
    EVENT_ID_COLUMN,
    ...(type === 'click' ? ['acs_trackingurl'] : []),
    ...(type === 'bounce' ? ['description'] : []),
    ...(options.ownerId ? ['ownerid'] : []),
    ...Object.keys(COMPLETED_STATE),
  ];
}

/** The columns {@link followUpTask} writes on the task table. */
export function taskColumns(options: RecordOptions = {}): string[] {
  return ['subject', 'description', 'regardingobjectid', 'scheduledend', ...(options.ownerId ? ['ownerid'] : [])];
}

/** Whether the configuration asks for a follow-up task on this kind of event (`egress.followUpTasks`). */
export interface FollowUpSettings {
  click: boolean;
  bounce: boolean;
  /** Days from the event to the task's due date. */
  dueInDays: number;
}

/** A follow-up task: its row id (derived from the event id, so it is created once) and body. */
export interface FollowUpTask {
  taskId: string;
  body: ActivityBody;
}

/** The follow-up task of a click (follow up on the URL) or bounce (fix the email address), if configured. */
export function followUpTask(
  event: EmailEvent,
  settings: FollowUpSettings,
  options: RecordOptions = {}
): FollowUpTask | undefined {
  if (event.type !== 'click' && event.type !== 'bounce') return undefined;
  if (!settings[event.type]) return undefined;
  const due = new Date(event.date.getTime() + settings.dueInDays * 86_400_000);
  const body: ActivityBody =
    event.type === 'click'
      ? {
          subject: cut(`Follow up on the click in ${event.deliveryId}`, LIMITS.subject),
          description: cut(
            `The contact clicked ${event.trackingUrl} in ${activitySubject(event)}.`,
            LIMITS.description
          ),
        }
      : {
          subject: cut(`Fix the email address (bounce in ${event.deliveryId})`, LIMITS.subject),
          description: cut(
            `${capitalized(event.bounceType ?? '')} bounce in ${activitySubject(event)}` +
              (event.bounceReason === '' ? '.' : `: ${event.bounceReason}.`),
            LIMITS.description
          ),
        };
  body['regardingobjectid_contact_task@odata.bind'] = `/contacts(${event.contactId})`;
  body.scheduledend = d365DateTime(due);
  return { taskId: followUpTaskId(event.eventId), body: withOwner(body, options) };
}

/**
 * The follow-up task's `activityid`: a name-based UUID (version 5 layout) of the event id, so a replayed event
 * addresses the same task and a create-only write cannot add a second one.
 */
export function followUpTaskId(eventId: string): string {
  const hash = createHash('sha1').update(`acs-d365-sync:follow-up-task:${eventId}`, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** D365 date-time text: UTC, whole seconds. */
export function d365DateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function withOwner(body: ActivityBody, options: RecordOptions): ActivityBody {
  return options.ownerId ? { ...body, 'ownerid@odata.bind': `/systemusers(${options.ownerId})` } : body;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
