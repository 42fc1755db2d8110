import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** The size of one workflow's history: what Temporal stores for it. */
export interface HistorySize {
  events: number;
  /** Bytes of every payload (inputs, results, heartbeat details, signal arguments, markers) in the history. */
  payloadBytes: number;
  /** The whole history, protobuf-encoded. */
  encodedBytes: number;
  /** Events by type, e.g. `ACTIVITY_TASK_COMPLETED: 12`. */
  byType: Record<string, number>;
}

/** Fetches a workflow's history (latest run) and measures it. */
export async function historySize(client: Client, workflowId: string): Promise<HistorySize> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const byType: Record<string, number> = {};
  for (const event of events) {
    const type = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
    const name = type.replace(/^EVENT_TYPE_/, '');
    byType[name] = (byType[name] ?? 0) + 1;
  }
  return {
    events: events.length,
    payloadBytes: payloadBytes(events),
    encodedBytes: temporal.api.history.v1.History.encode(history).finish().length,
    byType,
  };
}

/** Sums the `data` of every Payload (an object with `metadata` and `data`) found anywhere in `value`. */
function payloadBytes(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (value instanceof Uint8Array) return 0;
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && 'metadata' in record) return record.data.length;
  let total = 0;
  for (const child of Array.isArray(value) ? value : Object.values(record)) total += payloadBytes(child);
  return total;
}

/** Milliseconds between two history events' timestamps. */
export function eventTimeMs(event: temporal.api.history.v1.IHistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
}

/**
 * How many calls of one activity type each worker ran in a workflow's history (by worker identity, `<pid>@<host>`):
 * the attempt that closed each call (a call retried elsewhere after a kill counts for the worker that finished it).
 */
export async function activityCallsByWorker(
  client: Client,
  workflowId: string,
  activityType: string
): Promise<Record<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const ofType = new Set<string>();
  const calls: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === activityType) ofType.add(String(event.eventId));
    const started = event.activityTaskStartedEventAttributes;
    if (started && ofType.has(String(started.scheduledEventId))) {
      const identity = started.identity ?? 'unknown';
      calls[identity] = (calls[identity] ?? 0) + 1;
    }
  }
  return calls;
}
