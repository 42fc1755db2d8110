import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowStartOptions } from '@temporalio/client';
import { type Config } from '../config/schema';
import {
  egressManagerWorkflow,
  ingressManagerWorkflow,
  optOutManagerWorkflow,
  verifyManagerWorkflow,
} from '../workflows';
import { ingressManagerId } from '../workflows/ingress/ids';
import { FlowKey, MappingKey } from '../workflows/search-attributes';
import { flowOfWorkflowId, ingressMappingOf, managerWorkflowId } from './flow-ids';
import { recordedManager } from './recorded-state';

export interface StartedFlow {
  workflowId: string;
  /**
   * `started` afresh, `resumed` from the state its last (closed) run left (cursors and checkpoints kept), or
   * `running` already (starting is idempotent).
   */
  state: 'started' | 'resumed' | 'running';
}

export interface StartFlowsOptions {
  /** Ignore what earlier runs left: start with no cursor (an ingress flow transfers everything again). */
  fresh?: boolean;
}

/**
 * The flows a configuration enables, by name: `ingress:<mapping>` per mapping, `egress`, `optout`, and `verify` (the
 * verify manager, with `verify.every`).
 */
export function configuredFlows(config: Config): string[] {
  return [
    ...config.ingress.map((mapping) => ingressManagerId(mapping.name)),
    ...(config.egress ? ['egress'] : []),
    ...(config.optOut && config.optOut.mode !== 'disabled' ? ['optout'] : []),
    ...(config.verify ? ['verify'] : []),
  ];
}

/**
 * Starts the manager workflow of each named flow (or `all`) that is not running yet. Flows the configuration does not
 * have are refused, naming the ones it has.
 */
export async function startFlows(
  client: Client,
  config: Config,
  taskQueue: string,
  names: string[],
  options: StartFlowsOptions = {}
): Promise<StartedFlow[]> {
  const known = configuredFlows(config);
  const wanted = names.includes('all') ? known : names;
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(`unknown flow ${unknown.join(', ')}; the configuration has: ${known.join(', ') || 'no flow'}`);
  }
  const started: StartedFlow[] = [];
  for (const workflowId of wanted.map((flow) => managerWorkflowId(flow, config.temporal.deployment))) {
    try {
      const recorded = options.fresh ? undefined : await recordedManager(client, workflowId);
      if (recorded?.kind === 'running') {
        started.push({ workflowId, state: 'running' });
        continue;
      }
      const input = recorded?.kind === 'closed' ? recorded.input : undefined;
      await startManager(client, taskQueue, workflowId, input);
      started.push({ workflowId, state: input ? 'resumed' : 'started' });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      started.push({ workflowId, state: 'running' });
    }
  }
  return started;
}

/** Starts a manager workflow (its id says which flow), from `input` (a closed run's recorded state) when given. */
export async function startManager(
  client: Client,
  taskQueue: string,
  workflowId: string,
  input?: Record<string, unknown>
): Promise<void> {
  const common: Pick<WorkflowStartOptions, 'taskQueue' | 'workflowId'> = { taskQueue, workflowId };
  const flow = flowOfWorkflowId(workflowId);
  if (flow === 'egress') {
    await client.workflow.start(egressManagerWorkflow, {
      ...common,
      args: [input ?? {}],
      typedSearchAttributes: [{ key: FlowKey, value: 'egress' }],
      staticSummary: 'Egress: Campaign email events → D365 activities',
    });
    return;
  }
  if (flow === 'optout') {
    await client.workflow.start(optOutManagerWorkflow, {
      ...common,
      args: [input ?? {}],
      typedSearchAttributes: [{ key: FlowKey, value: 'optout' }],
      staticSummary: 'Opt-out: Campaign denylist ↔ D365 donot* fields',
    });
    return;
  }
  if (flow === 'verify') {
    await client.workflow.start(verifyManagerWorkflow, {
      ...common,
      args: [input ?? {}],
      typedSearchAttributes: [{ key: FlowKey, value: 'verify' }],
      staticSummary: 'Verify: do D365 and Campaign agree? (verify.every)',
    });
    return;
  }
  const mapping = ingressMappingOf(flow) ?? flow;
  await client.workflow.start(ingressManagerWorkflow, {
    ...common,
    args: [{ ...input, mapping }],
    typedSearchAttributes: [
      { key: FlowKey, value: 'ingress' },
      { key: MappingKey, value: mapping },
    ],
    staticSummary: `Ingress ${mapping}: D365 → Campaign`,
  });
}
