import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { type QueryDefinition } from '@temporalio/workflow';
import YAML from 'yaml';
import { type WorkerResources } from '../../src/activities';
import { validateConfig } from '../../src/config/load';
import { type Config, type ConfigInput } from '../../src/config/schema';
import { type CampaignSimulator } from '../../src/sandbox/campaign';
import { recordedManager } from '../../src/temporal/recorded-state';
import { egressManagerWorkflow, ingressManagerWorkflow, optOutManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, replaySignal } from '../../src/workflows/ingress/messages';
import { optOutStatusQuery } from '../../src/workflows/optout/messages';
import { syncNowSignal } from '../../src/workflows/steering';
import { checkConvergence, driftCounts, type ConvergenceReport } from './convergence';
import { contactsToProfiles } from './mappings';
import { activeContactIds, seededRandom, untilQuery } from './reliability';

/** What the scenario drives: a running stack whose worker is a child process reading {@link configFile}. */
export interface ScenarioStack {
  client: Client;
  taskQueue: string;
  /** The scenario's own clients of D365, Campaign and the SFTP (not the worker's). */
  resources: WorkerResources;
  campaign: CampaignSimulator;
  /** The worker's configuration file: a configuration change rewrites it, then restarts the worker. */
  configFile: string;
  startWorker(): Promise<void>;
  /** SIGKILLs the worker process(es) and waits until they are gone. */
  killWorker(): Promise<void>;
}

export interface ScenarioOptions {
  /** Names the workflow ids (unique per run on a shared Temporal); the mapping is `<name>-contacts` ({@link convergenceFlows}). */
  name: string;
  seed: number;
  /** Steps of random changes; each ends with a random pause. */
  steps: number;
  /** Worker SIGKILLs at random steps (besides the restarts of the configuration changes). */
  kills: number;
  /** D365 contact edits per step (each: create, update, opt-out flip, delete or deactivate). */
  editsPerStep: number;
  /** Campaign opt-out changes per step (about half the steps have some). */
  optOutChangesPerStep: number;
  /** Email events per step (about half the steps write an event file). */
  eventsPerStep: number;
  /** Longest pause after a step. */
  maxPauseMs: number;
  /** How long one quiet round may take. */
  roundTimeoutMs: number;
  log(line: string): void;
}

export interface ScenarioResult {
  report: ConvergenceReport;
  /** The configuration in force at the end (the added field and the last opt-out mode). */
  config: Config;
  stats: Record<string, number>;
}

/** The flows of a convergence run: contacts with deletes and a filter (inactive ones are deleted), every event, two pairs. */
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

/** The field the configuration change adds to the contacts mapping (then `replay` writes it to every profile). */
export const ADDED_FIELD = { from: 'mobilephone', to: 'mobilePhone' } as const;

/** The opt-out modes the run switches to, and when (share of the steps). */
const MODE_SWITCHES = [
  { at: 0.45, mode: 'd365-to-campaign' },
  { at: 0.7, mode: 'bidirectional' },
] as const;

type Status = { passes: number; phase: string; lastError?: string; initialTransferDone?: boolean };

interface Flow {
  id: string;
  query: QueryDefinition<Status>;
  start(client: Client, taskQueue: string, input?: Record<string, unknown>): Promise<WorkflowHandle>;
}

/**
 * The whole-system convergence run: every flow on from the start (ingress with its initial transfer, egress, opt-out
 * bidirectional, started together as `acs-d365 start all` does), seeded random changes on both sides (D365 contacts
 * created — some with an opt-out already set —, updated, opted out, deleted, deactivated; Campaign opt-out changes and
 * event files), worker SIGKILLs at random steps, a field added to the contacts mapping then `replay`, the opt-out mode
 * switched to d365-to-campaign and back; then quiet (no more changes, two rounds of sync-now for every flow) and the
 * oracle.
 */
export async function runConvergenceScenario(stack: ScenarioStack, options: ScenarioOptions): Promise<ScenarioResult> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const mapping = `${options.name}-contacts`;
  const flows: Flow[] = [
    {
      id: ingressManagerId(mapping),
      query: ingressStatusQuery,
      start: (client, taskQueue, input) =>
        client.workflow.start(ingressManagerWorkflow, {
          taskQueue,
          workflowId: ingressManagerId(mapping),
          args: [{ ...input, mapping }],
        }),
    },
    {
      id: `${options.name}-egress`,
      query: egressStatusQuery,
      start: (client, taskQueue, input) =>
        client.workflow.start(egressManagerWorkflow, {
          taskQueue,
          workflowId: `${options.name}-egress`,
          args: [input ?? {}],
        }),
    },
    {
      id: `${options.name}-optout`,
      query: optOutStatusQuery,
      start: (client, taskQueue, input) =>
        client.workflow.start(optOutManagerWorkflow, {
          taskQueue,
          workflowId: `${options.name}-optout`,
          args: [input ?? {}],
        }),
    },
  ];
  const [ingress, , optOut] = flows as [Flow, Flow, Flow];
  const stats: Record<string, number> = {
    created: 0,
    createdOptedOut: 0,
    updated: 0,
    optOutFlips: 0,
    deleted: 0,
    deactivated: 0,
    campaignOptOutChanges: 0,
    events: 0,
    kills: 0,
    syncNows: 0,
  };

  // All flows together from the start; opt-out does not wait for the initial transfer.
  await stack.startWorker();
  await Promise.all(flows.map((flow) => flow.start(stack.client, stack.taskQueue)));
  const handle = (flow: Flow) => stack.client.workflow.getHandle(flow.id);

  const active = await activeContactIds(stack.resources, Number.MAX_SAFE_INTEGER);
  const killSteps = new Set<number>();
  while (killSteps.size < Math.min(options.kills, options.steps)) killSteps.add(Math.floor(random() * options.steps));
  const fieldStep = Math.floor(options.steps * 0.25);
  const modeSteps = new Map<number, string>(MODE_SWITCHES.map((s) => [Math.floor(options.steps * s.at), s.mode]));
  const feeds = stack.campaign.exports!;
  const d365 = stack.resources.dynamics();
  let created = 0;

  for (let step = 0; step < options.steps; step += 1) {
    for (let edit = 0; edit < options.editsPerStep; edit += 1) {
      const roll = random();
      if (roll < 0.2 || active.length < 10) {
        created += 1;
        const id = randomUUID();
        const optOuts = { donotbulkemail: random() < 0.4, donotemail: random() < 0.3 };
        await d365.create('contacts', {
          contactid: id,
          firstname: `New${created}`,
          lastname: `Contact${options.seed % 1000}`,
          emailaddress1: `new${created}.s${options.seed}@example.com`,
          mobilephone: random() < 0.5 ? `+1 555 ${String(created).padStart(7, '0')}` : null,
          ...optOuts,
        });
        active.push(id);
        stats.created! += 1;
        if (optOuts.donotbulkemail || optOuts.donotemail) stats.createdOptedOut! += 1;
      } else if (roll < 0.55) {
        const id = pick(active);
        const field = pick(['firstname', 'lastname', 'emailaddress1', 'mobilephone'] as const);
        const n = Math.floor(random() * 1e6);
        const value =
          field === 'emailaddress1'
            ? `edit${n}@example.com`
            : field === 'mobilephone'
              ? random() < 0.2
                ? null
                : `+1 555 ${String(n).padStart(7, '0')}`
              : `E${n}`;
        await d365.update('contacts', id, { [field]: value });
        stats.updated! += 1;
      } else if (roll < 0.8) {
        await d365.update('contacts', pick(active), {
          [pick(['donotbulkemail', 'donotemail'])]: random() < 0.5,
        });
        stats.optOutFlips! += 1;
      } else {
        const index = Math.floor(random() * active.length);
        const id = active[index]!;
        active.splice(index, 1);
        if (roll < 0.9) {
          await d365.delete('contacts', id);
          stats.deleted! += 1;
        } else {
          await d365.update('contacts', id, { statecode: 1, statuscode: 2 });
          stats.deactivated! += 1;
        }
      }
    }
    if (random() < 0.5) stats.campaignOptOutChanges! += feeds.generateOptOutChanges(options.optOutChangesPerStep);
    if (random() < 0.5) stats.events! += feeds.generateEvents(options.eventsPerStep);
    await feeds.writeNow();
    if (random() < 0.3) {
      await handle(pick(flows)).signal(syncNowSignal);
      stats.syncNows! += 1;
    }

    if (step === fieldStep) {
      await changeConfig(stack, (input) => input.ingress?.[0]?.fields.push({ ...ADDED_FIELD }));
      await handle(ingress).signal(replaySignal);
      options.log(`step ${step}: field ${ADDED_FIELD.from} → ${ADDED_FIELD.to} added, worker restarted, replay`);
    }
    const mode = modeSteps.get(step);
    if (mode) {
      await changeConfig(stack, (input) => void (input.optOut!.mode = mode as 'bidirectional'));
      // The opt-out manager reads its mode when a run starts: stop it, then start it from its recorded state.
      const before = (await untilQuery(handle(optOut), optOutStatusQuery, () => true)).mode;
      await handle(optOut).cancel();
      await untilClosed(handle(optOut));
      const recorded = await recordedManager(stack.client, optOut.id);
      if (recorded.kind !== 'closed') throw new Error(`${optOut.id}: expected a closed run, found ${recorded.kind}`);
      await optOut.start(stack.client, stack.taskQueue, recorded.input);
      const after = await untilQuery(handle(optOut), optOutStatusQuery, (s) => s.mode === mode, 60_000);
      options.log(
        `step ${step}: opt-out mode ${before} → ${after.mode}, worker restarted, manager stopped and started`
      );
    }
    if (killSteps.has(step)) {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * options.maxPauseMs)));
      const phases = await Promise.all(
        flows.map((flow) =>
          handle(flow)
            .query(flow.query)
            .then((s) => s.phase)
            .catch(() => 'unknown')
        )
      );
      await stack.killWorker();
      await stack.startWorker();
      stats.kills! += 1;
      options.log(`step ${step}: worker SIGKILLed (phases ${phases.join(', ')}), new worker started`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * options.maxPauseMs)));
  }

  // Quiet: no more changes. Two rounds, each a pass of every flow that started after the round began.
  for (let round = 1; round <= 2; round += 1) {
    await feeds.writeNow();
    const before = await Promise.all(flows.map((flow) => untilQuery(handle(flow), flow.query, () => true)));
    await Promise.all(flows.map((flow) => handle(flow).signal(syncNowSignal)));
    const after = await Promise.all(
      flows.map((flow, i) => {
        // A pass under way when the round began may have read before the last change: wait for the next one too.
        const needed = before[i]!.passes + (before[i]!.phase === 'waiting' ? 1 : 2);
        return untilQuery(
          handle(flow),
          flow.query,
          (s) => s.passes >= needed && s.phase === 'waiting' && s.initialTransferDone !== false,
          options.roundTimeoutMs
        );
      })
    );
    options.log(
      `quiet round ${round}: ${flows.map((flow, i) => `${flow.id} pass ${after[i]!.passes}${after[i]!.lastError ? ` (last error: ${after[i]!.lastError})` : ''}`).join('; ')}`
    );
  }

  const config = await currentConfig(stack.configFile);
  const report = await checkConvergence(stack.resources, config);
  options.log(`changes ${JSON.stringify(stats)}; drift ${report.drift} ${JSON.stringify(driftCounts(report))}`);
  for (const flow of flows)
    await handle(flow)
      .terminate('convergence run over')
      .catch(() => undefined);
  return { report, config, stats };
}

/** Rewrites the worker's configuration file and restarts the worker on it (the documented way to change it). */
async function changeConfig(stack: ScenarioStack, change: (input: ConfigInput) => void): Promise<void> {
  const input = YAML.parse(await readFile(stack.configFile, 'utf8')) as ConfigInput;
  change(input);
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`the changed configuration is invalid: ${JSON.stringify(result.problems)}`);
  await writeFile(stack.configFile, YAML.stringify(input));
  await stack.killWorker();
  await stack.startWorker();
}

async function currentConfig(configFile: string): Promise<Config> {
  const result = validateConfig(YAML.parse(await readFile(configFile, 'utf8')));
  if (!result.ok) throw new Error('the configuration file is invalid');
  return result.config;
}

async function untilClosed(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await handle.describe()).status.name === 'RUNNING') {
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} did not close`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
