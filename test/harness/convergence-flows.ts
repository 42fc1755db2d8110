import { readFile, writeFile } from 'node:fs/promises';
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { type QueryDefinition } from '@temporalio/workflow';
import YAML from 'yaml';
import { validateConfig } from '../../src/config/load';
import { type Config, type ConfigInput } from '../../src/config/schema';
import { egressManagerWorkflow, ingressManagerWorkflow, optOutManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery } from '../../src/workflows/ingress/messages';
import { optOutStatusQuery } from '../../src/workflows/optout/messages';
import { syncNowSignal } from '../../src/workflows/steering';
import { contactsToProfiles } from './mappings';
import { untilQuery } from './polling';

/** The flows of a convergence run: contacts with deletes and a filter (inactive ones deleted), every event, two pairs. */
export function convergenceFlows(
  name: string,
  options: { every: string; fileThreshold: number; chunkRows: number }
): Pick<ConfigInput, 'ingress' | 'egress' | 'optOut'> {
  return {
    ingress: [
      contactsToProfiles(`${name}-contacts`, {
        every: options.every,
        deletes: true,
        filter: { match: 'all', rules: [{ field: 'statecode', op: 'eq', value: 0 }], deleteFilteredOut: true },
        initialTransfer: {
          fileThreshold: options.fileThreshold,
          chunkRows: options.chunkRows,
          importWorkflow: 'WKF_IMPORT_PROFILE',
        },
      }),
    ],
    egress: { every: options.every, bounceTypes: ['hard', 'soft', 'ignored'], batchSize: 100 },
    optOut: {
      mode: 'bidirectional',
      every: options.every,
      pairs: [
        { campaign: 'denyListEmail', dynamics: 'donotbulkemail' },
        { campaign: 'denyList', dynamics: 'donotemail' },
      ],
    },
  };
}

/** What the scenario reads of any manager's `status` (ingress adds `initialTransferDone`, opt-out `mode`). */
export interface Status {
  passes: number;
  phase: string;
  lastError?: string;
  initialTransferDone?: boolean;
  mode?: string;
}

/** One flow's manager workflow: how to start it (afresh, or from a closed run's recorded state) and ask its status. */
export interface Manager {
  id: string;
  handle(): WorkflowHandle;
  /** The status once `done` holds (default: the first answer); a query no worker answers yet is asked again. */
  status(done?: (status: Status) => boolean, timeoutMs?: number): Promise<Status>;
  start(input?: Record<string, unknown>): Promise<void>;
}

/** The managers of `<name>-contacts` ingress, egress and opt-out, with ids unique to the run (`start all` would use
 * `egress` and `optout`, which tests sharing a Temporal server cannot). */
export function convergenceManagers(
  client: Client,
  taskQueue: string,
  name: string
): { ingress: Manager; egress: Manager; optOut: Manager } {
  const manager = <S extends Status>(
    id: string,
    query: QueryDefinition<S>,
    start: (input: Record<string, unknown> | undefined) => Promise<unknown>
  ): Manager => ({
    id,
    handle: () => client.workflow.getHandle(id),
    status: (done = () => true, timeoutMs) => untilQuery<Status>(client.workflow.getHandle(id), query, done, timeoutMs),
    start: async (input) => void (await start(input)),
  });
  const mapping = `${name}-contacts`;
  const ingressId = ingressManagerId(mapping);
  return {
    ingress: manager(ingressId, ingressStatusQuery, (input) =>
      client.workflow.start(ingressManagerWorkflow, { taskQueue, workflowId: ingressId, args: [{ ...input, mapping }] })
    ),
    egress: manager(`${name}-egress`, egressStatusQuery, (input) =>
      client.workflow.start(egressManagerWorkflow, { taskQueue, workflowId: `${name}-egress`, args: [input ?? {}] })
    ),
    optOut: manager(`${name}-optout`, optOutStatusQuery, (input) =>
      client.workflow.start(optOutManagerWorkflow, { taskQueue, workflowId: `${name}-optout`, args: [input ?? {}] })
    ),
  };
}

/**
 * One quiet round: every manager is asked to sync now, and the round ends when each has completed a pass that started
 * after the round began (a pass under way at the start may have read before the last change: the next one counts).
 * @returns each manager's status at the end
 */
export async function quietRound(managers: readonly Manager[], timeoutMs: number): Promise<Status[]> {
  const before = await Promise.all(managers.map((manager) => manager.status()));
  await Promise.all(managers.map((manager) => manager.handle().signal(syncNowSignal)));
  return await Promise.all(
    managers.map((manager, i) => {
      const needed = before[i]!.passes + (before[i]!.phase === 'waiting' ? 1 : 2);
      return manager.status(
        (s) => s.passes >= needed && s.phase === 'waiting' && s.initialTransferDone !== false,
        timeoutMs
      );
    })
  );
}

/** Rewrites a configuration file (validated) through `change`. */
export async function changeConfigFile(configFile: string, change: (input: ConfigInput) => void): Promise<void> {
  const input = YAML.parse(await readFile(configFile, 'utf8')) as ConfigInput;
  change(input);
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`the changed configuration is invalid: ${JSON.stringify(result.problems)}`);
  await writeFile(configFile, YAML.stringify(input));
}

export async function readConfigFile(configFile: string): Promise<Config> {
  const result = validateConfig(YAML.parse(await readFile(configFile, 'utf8')));
  if (!result.ok) throw new Error(`${configFile} is invalid: ${JSON.stringify(result.problems)}`);
  return result.config;
}
