import { type BatchOperation, type DynamicsClient, entityPath } from '../../connectors/dynamics';
import {
  ACTIVITY_TABLES,
  COMPLETED_STATE,
  type EmailEvent,
  EVENT_ID_COLUMN,
  type FollowUpSettings,
  TASK_TABLE,
  activityRecord,
  followUpTask,
  reportableMessage,
} from '../../sync/egress';
import { type OperationOutcome, runOperations } from './run-operations';

/** An event and the file line it came from. */
export interface LinedEvent {
  line: number;
  event: EmailEvent;
}

export interface EventWriteSettings {
  /** Operations per `$batch` (`egress.batchSize`). */
  batchSize: number;
  ownerId?: string;
  followUpTasks: FollowUpSettings;
}

/** What became of a group of events. */
export interface EventWriteResult {
  created: number;
  duplicates: number;
  tasks: number;
  rejected: { line: number; eventId: string; reason: string }[];
}

/** Dataverse's answer to an update of a completed (read-only) activity: it is completed already. */
const READ_ONLY_RECORD = '0x80043b09';
/** Dataverse's "does not exist" code; with a contact in the message, the regarding contact is unknown. */
const DOES_NOT_EXIST = '0x80040217';

/**
 * Writes the events' activities, idempotent by event id: (1) a create-only PATCH on the alternate key
 * `acs_eventid` (an existing activity answers 412 and is left as it is: no second Timeline entry); (2) for the
 * activities that already existed, their state (a run may have stopped between create and complete); (3) a PATCH to
 * Completed for those not completed yet, and the follow-up tasks (create-only by a row id derived from the event id).
 */
export async function writeEvents(
  dynamics: DynamicsClient,
  events: readonly LinedEvent[],
  settings: EventWriteSettings
): Promise<EventWriteResult> {
  const result: EventWriteResult = { created: 0, duplicates: 0, tasks: 0, rejected: [] };
  const reject = (item: LinedEvent, reason: string): void => {
    result.rejected.push({ line: item.line, eventId: item.event.eventId, reason });
  };
  const owner = settings.ownerId ? { ownerId: settings.ownerId } : {};

  const creates = await runOperations(
    dynamics,
    events.map((item) => ({
      method: 'PATCH',
      path: activityPath(item.event),
      body: activityRecord(item.event, owner),
      headers: { 'If-None-Match': '*' },
    })),
    settings.batchSize
  );
  const created: LinedEvent[] = [];
  const existing: LinedEvent[] = [];
  events.forEach((item, index) => {
    const outcome = creates[index] as OperationOutcome;
    if (outcome.ok) created.push(item);
    else if (outcome.status === 412) existing.push(item);
    else reject(item, refusal('the activity', outcome));
  });
  result.created = created.length;
  result.duplicates = existing.length;

  const states = await runOperations(
    dynamics,
    existing.map((item) => ({ method: 'GET', path: `${activityPath(item.event)}?$select=statecode` })),
    settings.batchSize
  );
  const open = existing.filter((_item, index) => {
    const outcome = states[index] as OperationOutcome;
    return (
      !outcome.ok || (outcome.body as { statecode?: unknown } | undefined)?.statecode !== COMPLETED_STATE.statecode
    );
  });

  const toComplete = [...created, ...open];
  const written = [...created, ...existing];
  const tasks = written.flatMap((item) => {
    const task = followUpTask(item.event, settings.followUpTasks, owner);
    return task ? [{ item, task }] : [];
  });
  const operations: BatchOperation[] = [
    ...toComplete.map((item): BatchOperation => ({
      method: 'PATCH',
      path: activityPath(item.event),
      body: COMPLETED_STATE,
      headers: { 'If-Match': '*' },
    })),
    ...tasks.map(({ task }): BatchOperation => ({
      method: 'PATCH',
      path: entityPath(TASK_TABLE.entitySetName, task.taskId),
      body: task.body,
      headers: { 'If-None-Match': '*' },
    })),
  ];
  const outcomes = await runOperations(dynamics, operations, settings.batchSize);
  toComplete.forEach((item, index) => {
    const outcome = outcomes[index] as OperationOutcome;
    if (!outcome.ok && outcome.code !== READ_ONLY_RECORD) {
      reject(item, `the activity was written but not completed: ${describe(outcome)}`);
    }
  });
  tasks.forEach(({ item }, index) => {
    const outcome = outcomes[toComplete.length + index] as OperationOutcome;
    if (outcome.ok) result.tasks += 1;
    else if (outcome.status !== 412) reject(item, refusal('the follow-up task', outcome));
  });
  return result;
}

function activityPath(event: EmailEvent): string {
  return entityPath(ACTIVITY_TABLES[event.type].entitySetName, { [EVENT_ID_COLUMN]: event.eventId });
}

function refusal(what: string, outcome: Extract<OperationOutcome, { ok: false }>): string {
  if (outcome.status === 404 && outcome.code === DOES_NOT_EXIST && /^contact\b/i.test(outcome.message)) {
    return 'the contact does not exist in D365';
  }
  return `D365 refused ${what}: ${describe(outcome)}`;
}

/** Status and code, and the message with quoted values masked. */
function describe(outcome: Extract<OperationOutcome, { ok: false }>): string {
  return `HTTP ${outcome.status}${outcome.code ? ` ${outcome.code}` : ''}: ${reportableMessage(outcome.message)}`;
}
