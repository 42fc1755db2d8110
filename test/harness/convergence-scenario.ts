import { type Client } from '@temporalio/client';
import { type WorkerResources } from '../../src/activities';
import { type Config } from '../../src/config/schema';
import { type CampaignSimulator } from '../../src/sandbox/campaign';
import { replaySignal } from '../../src/workflows/ingress/messages';
import { syncNowSignal } from '../../src/workflows/steering';
import { checkConvergence, driftCounts, type ConvergenceReport } from './convergence';
import { ContactEdits } from './convergence-edits';
import { changeConfigFile, convergenceManagers, quietRound, readConfigFile, type Manager } from './convergence-flows';
import { activeContactIds, seededRandom } from './reliability';

export { convergenceFlows } from './convergence-flows';

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
  /** Names the workflow ids (unique per run on a shared Temporal); the mapping is `<name>-contacts` (convergenceFlows). */
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
  /** How long one quiet round may take, or a pass to follow a changed opt-out mode (a first pass of a big table is long). */
  roundTimeoutMs: number;
  log(line: string): void;
}

export interface ScenarioResult {
  report: ConvergenceReport;
  /** The configuration in force at the end (the added field and the last opt-out mode). */
  config: Config;
  stats: Record<string, number>;
  /** How long the changes took (first step to last), and the quiet after them (both rounds of passes), in ms. */
  changesMs: number;
  quietMs: number;
}

/** The field the configuration change adds to the contacts mapping (then `replay` writes it to every profile). */
export const ADDED_FIELD = { from: 'mobilephone', to: 'mobilePhone' } as const;

/** When (share of the steps) the field is added, and the opt-out modes the run switches to. */
const FIELD_ADDED_AT = 0.25;
const MODE_SWITCHES = [
  { at: 0.45, mode: 'd365-to-campaign' },
  { at: 0.7, mode: 'bidirectional' },
] as const;

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
  const pause = () => new Promise((resolve) => setTimeout(resolve, Math.floor(random() * options.maxPauseMs)));
  const { ingress, egress, optOut } = convergenceManagers(stack.client, stack.taskQueue, options.name);
  const managers = [ingress, egress, optOut];
  const feeds = stack.campaign.exports!;
  const stats = { campaignOptOutChanges: 0, events: 0, kills: 0, syncNows: 0 };

  // All flows together from the start: opt-out does not wait for the initial transfer.
  await stack.startWorker();
  await Promise.all(managers.map((manager) => manager.start()));

  const edits = new ContactEdits(
    stack.resources.dynamics(),
    await activeContactIds(stack.resources, Number.MAX_SAFE_INTEGER),
    random,
    options.seed
  );
  const killSteps = new Set<number>();
  while (killSteps.size < Math.min(options.kills, options.steps)) killSteps.add(Math.floor(random() * options.steps));
  const at = (share: number) => Math.floor(options.steps * share);
  const modeSwitches = new Map<number, string>(MODE_SWITCHES.map((s) => [at(s.at), s.mode]));

  const changesStarted = Date.now();
  for (let step = 0; step < options.steps; step += 1) {
    await edits.edit(options.editsPerStep);
    if (random() < 0.5) stats.campaignOptOutChanges += feeds.generateOptOutChanges(options.optOutChangesPerStep);
    // The last step always writes events, so that egress has work whatever the seed.
    if (random() < 0.5 || step === options.steps - 1) stats.events += feeds.generateEvents(options.eventsPerStep);
    await feeds.writeNow();
    if (random() < 0.3) {
      await managers[Math.floor(random() * managers.length)]!.handle().signal(syncNowSignal);
      stats.syncNows += 1;
    }

    if (step === at(FIELD_ADDED_AT)) {
      await changeConfigFile(stack.configFile, (input) => input.ingress?.[0]?.fields.push({ ...ADDED_FIELD }));
      await restartWorker(stack);
      await ingress.handle().signal(replaySignal);
      options.log(`step ${step}: field ${ADDED_FIELD.from} → ${ADDED_FIELD.to} added, worker restarted, replay`);
    }
    const mode = modeSwitches.get(step);
    if (mode) {
      const before = (await optOut.status()).mode;
      await changeConfigFile(stack.configFile, (input) => void (input.optOut!.mode = mode as 'bidirectional'));
      await restartWorker(stack);
      // The manager reads its settings before every pass: the next pass follows the new mode.
      await optOut.handle().signal(syncNowSignal);
      await optOut.status((s) => s.mode === mode, options.roundTimeoutMs);
      options.log(`step ${step}: opt-out mode ${before} → ${mode}, worker restarted`);
    }
    if (killSteps.has(step)) {
      await pause();
      const phases = await Promise.all(managers.map((m) => phaseNow(m)));
      await restartWorker(stack);
      stats.kills += 1;
      options.log(`step ${step}: worker SIGKILLed (phases ${phases.join(', ')}), new worker started`);
    }
    await pause();
  }

  // Quiet: no more changes; the Campaign feeds write what is left, then two rounds.
  const quietStarted = Date.now();
  for (let round = 1; round <= 2; round += 1) {
    await feeds.writeNow();
    const statuses = await quietRound(managers, options.roundTimeoutMs);
    const described = managers.map((m, i) => {
      const status = statuses[i]!;
      return `${m.id} pass ${status.passes}${status.lastError ? ` (last error: ${status.lastError})` : ''}`;
    });
    options.log(`quiet round ${round}: ${described.join('; ')}`);
  }

  const quietMs = Date.now() - quietStarted;
  const config = await readConfigFile(stack.configFile);
  const report = await checkConvergence(stack.resources, config);
  const counts = { ...edits.counts, ...stats };
  options.log(`changes ${JSON.stringify(counts)}; drift ${report.drift} ${JSON.stringify(driftCounts(report))}`);
  for (const manager of managers)
    await manager
      .handle()
      .terminate('convergence run over')
      .catch(() => undefined);
  return { report, config, stats: counts, changesMs: quietStarted - changesStarted, quietMs };
}

/** SIGKILLs the worker and starts a new one (on the configuration file as it is now). */
async function restartWorker(stack: ScenarioStack): Promise<void> {
  await stack.killWorker();
  await stack.startWorker();
}

/** The manager's phase, or `unknown` when no worker answers at once. */
async function phaseNow(manager: Manager): Promise<string> {
  return await manager
    .handle()
    .query<{ phase: string }>('status')
    .then((status) => status.phase)
    .catch(() => 'unknown');
}
