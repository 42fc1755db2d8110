import { type Config } from '../../config/schema';
import { type DynamicsClient } from '../../connectors/dynamics';
import {
  ACTIVITY_TABLES,
  activityColumns,
  EMAIL_EVENT_TYPES,
  EVENT_ID_COLUMN,
  TASK_TABLE,
  taskColumns,
  type RecordOptions,
} from '../../sync/egress';
import { loadD365AlternateKeys, loadD365Table } from '../ingress/metadata';
import { type PreflightEgressResult } from './contracts';

type Problem = PreflightEgressResult['problems'][number];

const SOLUTION_DOC = 'docs/d365-solution.md';

/**
 * Checks the egress configuration against D365's metadata before a pass: each switched-on event type's activity
 * table exists with the columns egress writes and an active alternate key on `acs_eventid`; the follow-up task table
 * when tasks are on; the owner when one is set. Every problem names its configuration path and how to fix it.
 */
export async function preflightEgress(config: Config, dynamics: DynamicsClient): Promise<PreflightEgressResult> {
  const egress = config.egress;
  if (!egress) return { problems: [{ path: 'egress', message: 'there is no egress block; add one (docs/egress.md)' }] };
  const owner: RecordOptions = egress.ownerId ? { ownerId: egress.ownerId } : {};
  const problems: Problem[] = [];
  for (const type of EMAIL_EVENT_TYPES) {
    if (egress.events[type]) problems.push(...(await activityTableProblems(dynamics, type, owner)));
  }
  const tasksOn =
    (egress.followUpTasks.click && egress.events.click) || (egress.followUpTasks.bounce && egress.events.bounce);
  if (tasksOn) problems.push(...(await taskTableProblems(dynamics, owner)));
  if (egress.ownerId) {
    const problem = await ownerProblem(dynamics, egress.ownerId);
    if (problem) problems.push(problem);
  }
  return { problems };
}

async function activityTableProblems(
  dynamics: DynamicsClient,
  type: (typeof EMAIL_EVENT_TYPES)[number],
  owner: RecordOptions
): Promise<Problem[]> {
  const { logicalName } = ACTIVITY_TABLES[type];
  const path = `egress.events.${type}`;
  const table = await loadD365Table(dynamics, logicalName);
  if (!table) {
    return [
      {
        path,
        message: `D365 has no table ${logicalName}: create the activity table as ${SOLUTION_DOC} describes, or set ${path}: false`,
      },
    ];
  }
  const problems: Problem[] = [];
  const missing = missingColumns(table.columns, activityColumns(type, owner));
  if (missing.length > 0) {
    problems.push({
      path,
      message: `the D365 table ${logicalName} lacks the columns ${missing.join(', ')}: add them as ${SOLUTION_DOC} describes`,
    });
  }
  const keys = await loadD365AlternateKeys(dynamics, logicalName);
  const key = keys.find((candidate) => candidate.columns.length === 1 && candidate.columns[0] === EVENT_ID_COLUMN);
  if (!key) {
    problems.push({
      path,
      message: `the D365 table ${logicalName} has no alternate key on ${EVENT_ID_COLUMN}: add one (Keys › New key › ${EVENT_ID_COLUMN}); egress writes by it, so that an event never becomes two activities`,
    });
  } else if (key.indexStatus !== 'Active') {
    problems.push({
      path,
      message: `the alternate key ${key.logicalName} of ${logicalName} is ${key.indexStatus}, not Active: ${
        key.indexStatus === 'Failed'
          ? `delete it, remove rows with the same ${EVENT_ID_COLUMN} and create it again`
          : 'wait until D365 has built its index (a system job), then start egress'
      }`,
    });
  }
  return problems;
}

async function taskTableProblems(dynamics: DynamicsClient, owner: RecordOptions): Promise<Problem[]> {
  const path = 'egress.followUpTasks';
  const table = await loadD365Table(dynamics, TASK_TABLE.logicalName);
  const off = `or set ${path}.click and ${path}.bounce to false`;
  if (!table) return [{ path, message: `D365 has no task table for the follow-up tasks; ${off}` }];
  const missing = missingColumns(table.columns, taskColumns(owner));
  if (missing.length === 0) return [];
  return [{ path, message: `the D365 task table lacks the columns ${missing.join(', ')}; ${off}` }];
}

async function ownerProblem(dynamics: DynamicsClient, ownerId: string): Promise<Problem | undefined> {
  const path = 'egress.ownerId';
  const fix = `set it to the systemuserid of the application user that should own the activities, or remove it (the integration's own user owns them then)`;
  const pages = dynamics.readPages('systemusers', {
    filter: `systemuserid eq ${ownerId.toLowerCase()}`,
    select: ['systemuserid', 'isdisabled'],
  });
  const first = await pages.next();
  await pages.return(undefined);
  const user = first.done ? undefined : first.value.rows[0];
  if (!user) return { path, message: `D365 has no user with the systemuserid ${ownerId}: ${fix}` };
  if (user.isdisabled === true)
    return { path, message: `the D365 user ${ownerId} is disabled and cannot own records: ${fix}` };
  return undefined;
}

function missingColumns(columns: readonly { logicalName: string }[], wanted: readonly string[]): string[] {
  const present = new Set(columns.map((column) => column.logicalName));
  return wanted.filter((column) => !present.has(column));
}
