import path from 'node:path';
import { temporal } from '@temporalio/proto';

/** The recorded histories the replay test reads (one JSON file per workflow type, `<type>.json`). */
export const HISTORIES_DIR = path.join(__dirname, 'histories');

const HistoryType = temporal.api.history.v1.History;

/**
 * A history as the file stores it: the proto message as a plain object (64-bit numbers and enums as strings, bytes in
 * base64), made and read by @temporalio/proto's own code. The SDK's `historyToJSON`/`historyFromJSON` (the CLI's
 * format) fail in this installation: @temporalio/common and @temporalio/proto each bundle their own copy of
 * protobufjs ("type must be a Type").
 */
export function historyToFile(workflowId: string, history: temporal.api.history.v1.IHistory): string {
  const object = HistoryType.toObject(HistoryType.fromObject(history), { longs: String, enums: String, bytes: String });
  return `${JSON.stringify({ workflowId, history: object })}\n`;
}

/**
 * A history file read back: the workflow id it ran under (the history does not hold it, and workflows that name
 * their children after their own id must replay under it) and the message `Worker.runReplayHistories` takes.
 */
export function historyFromFile(text: string): { workflowId: string; history: temporal.api.history.v1.History } {
  const { workflowId, history } = JSON.parse(text) as { workflowId: string; history: Record<string, unknown> };
  return { workflowId, history: HistoryType.fromObject(history) };
}
