import { print } from './output';
import { flowActionsReportSchema } from './report-schemas';

/** What a command did to one flow, as `--json` prints it (schema: `flowActionsReportSchema`). */
export interface FlowAction {
  workflowId: string;
  ok: boolean;
  /** A word or two: `started`, `paused`, `retrying`, `cursor-reset`, … */
  outcome: string;
  message?: string;
}

/** Prints a command's flow actions: one JSON document with `--json`, else a line per flow (`<id>: <text>`). */
export function printFlowActions(
  command: string,
  actions: readonly FlowAction[],
  json: boolean | undefined,
  text: (action: FlowAction) => string = (action) => action.message ?? action.outcome
): void {
  if (json) print(JSON.stringify(flowActionsReportSchema.parse({ command, flows: actions }), null, 2));
  else for (const action of actions) if (action.ok) print(`${action.workflowId}: ${text(action)}`);
}
