import { join } from 'node:path';
import { parseAcsDate, formatAcsDateTime } from '../../sync/acs-dates';
import { type Logger } from '../../logging/logger';
import { AcsError, AcsErrorCode } from './acs-error';
import { emptyImportReport, runImport, type ImportReport } from './import-job';
import { newPKey, type CampaignStore } from './record-store';
import { type ApiAnswer } from './resource-api';

export type SignalParameterType = 'string' | 'number' | 'boolean' | 'datetime';

/** A workflow of the simulated instance. */
export interface WorkflowConfig {
  /** Workflow ID as shown in Campaign, e.g. `WKF12`. */
  id: string;
  label?: string;
  /** External signal activities: activity name → declared parameters. @default {} */
  signals?: Record<string, Record<string, SignalParameterType>>;
  /** Makes this an import workflow: signal → read files → upsert by key → rejects → finish. */
  import?: {
    /** Resource to load, e.g. `profile` or `cusOrder`. */
    resource: string;
    /** Reconciliation key fields. */
    key: string[];
    /** The external signal activity that starts an import. */
    signal: string;
    /** Signal parameter holding the file names (comma- or newline-separated). @default 'fileNames' */
    fileNamesParameter?: string;
    /**
     * A row whose link column matches no record: `reject` it (the workflow docs/campaign-files.md builds), or `keep`
     * it, as a reconciliation that keeps unreconciled links does: hidden until its record arrives (cardinality `1`),
     * or without its link (`0..1`). @default 'reject'
     */
    unreconciledLinks?: 'reject' | 'keep';
  };
  /** State at start-up. @default 'started' */
  initialState?: 'edition' | 'started';
}

export type WorkflowState = 'edition' | 'started' | 'paused' | 'finished' | 'stopped' | 'error';

export interface WorkflowEngineOptions {
  /** Delay before a command takes effect (ACS applies commands asynchronously). */
  commandDelayMs: number;
  /** Minimum time between two triggers of one signal (ACS: 10 minutes). */
  signalCooldownMs: number;
  /** Time each imported record takes, in ms (the cost model). @default 0 */
  importMsPerRecord?: number;
  /** Folder the import workflows read from, and their rejects folder (absolute); undefined = no SFTP folder. */
  importFolder?: string;
  rejectsFolder?: string;
  logger?: Logger;
}

interface Execution {
  source: string;
  parameters: Record<string, unknown>;
  startedAt: string;
  finishedAt?: string;
  report?: ImportReport;
  error?: string;
}

interface WorkflowRuntime {
  config: WorkflowConfig;
  pkey: string;
  activityPKeys: Map<string, string>;
  state: WorkflowState;
  signalConsumed: boolean;
  lastTrigger: Map<string, number>;
  lastExecution?: Execution;
  runs: number;
}

const SIGNAL_BODY_LIMIT = 64 * 1024;

/** `/workflow/execution/...`: workflow state, asynchronous commands, external signals, the import workflow. */
export class WorkflowEngine {
  private readonly workflows = new Map<string, WorkflowRuntime>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  /** Fault hook: while set, a triggered import neither reads its files nor finishes (see {@link holdImports}). */
  private importsHeld = false;
  /** Fault hook: keys the import workflows refuse, with the reason (see {@link refuseImportKeys}). */
  private readonly refusedKeys = new Map<string, string>();

  constructor(
    private readonly store: CampaignStore,
    configs: WorkflowConfig[],
    private readonly baseUrl: () => string,
    private readonly options: WorkflowEngineOptions
  ) {
    for (const config of configs) {
      const runtime: WorkflowRuntime = {
        config,
        pkey: newPKey(),
        activityPKeys: new Map(Object.keys(config.signals ?? {}).map((name) => [name, newPKey()])),
        state: config.initialState ?? 'started',
        signalConsumed: false,
        lastTrigger: new Map(),
        runs: 0,
      };
      this.workflows.set(config.id, runtime);
    }
  }

  /**
   * Fault hook: imports triggered from now on stay in state `started` without reading their files, as an import
   * stuck in Campaign would, until {@link releaseImports}. Imports already running are not affected.
   */
  holdImports(): void {
    this.importsHeld = true;
  }

  /** Lets held imports run and finish. */
  releaseImports(): void {
    this.importsHeld = false;
  }

  /**
   * Fault hook: from now on, imports refuse the rows with these keys (the key fields joined by `|`) and write them
   * to their rejects files with this reason, as Campaign does with a row its data model refuses.
   */
  refuseImportKeys(keys: Iterable<string>, reason = 'the record was refused by the data model'): void {
    for (const key of keys) this.refusedKeys.set(key, reason);
  }

  /** Current state of a workflow (for tests). */
  state(id: string): WorkflowState | undefined {
    return this.workflows.get(id)?.state;
  }

  handle(method: string, segments: string[], body: unknown, rawLength: number): ApiAnswer {
    const [key, ...rest] = segments;
    const workflow = this.find(key ?? '');
    if (rest.length === 0 && method === 'GET') return { status: 200, body: this.json(workflow) };
    if (rest.length === 1 && rest[0] === 'commands' && method === 'POST') return this.command(workflow, body);
    if (
      rest.length === 4 &&
      rest[0] === 'activities' &&
      rest[1] === 'activity' &&
      rest[3] === 'trigger' &&
      method === 'POST'
    ) {
      const activity = [...workflow.activityPKeys].find(([, pkey]) => pkey === rest[2])?.[0];
      if (activity === undefined) throw new AcsError(404, AcsErrorCode.unknownRecord, 'Unknown activity.');
      return this.trigger(workflow, activity, body, rawLength);
    }
    throw new AcsError(404, AcsErrorCode.unknownRecord, 'Unknown workflow path.');
  }

  /** Waits for running imports and cancels pending commands. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const workflow of this.workflows.values()) workflow.state = 'stopped';
    await Promise.allSettled([...this.running]);
  }

  private find(key: string): WorkflowRuntime {
    const workflow = this.workflows.get(key) ?? [...this.workflows.values()].find((w) => w.pkey === key);
    if (!workflow) throw new AcsError(404, AcsErrorCode.unknownRecord, `The workflow '${key}' does not exist.`);
    return workflow;
  }

  private command(workflow: WorkflowRuntime, body: unknown): ApiAnswer {
    const requested = (body as { method?: unknown } | null)?.method;
    const method = typeof requested === 'string' ? requested.toLowerCase() : '';
    const transitions: Record<string, (state: WorkflowState) => WorkflowState | undefined> = {
      start: (state) => (state === 'started' || state === 'paused' ? undefined : 'started'),
      pause: (state) => (state === 'started' ? 'paused' : undefined),
      resume: (state) => (state === 'paused' ? 'started' : undefined),
      stop: (state) => (state === 'started' || state === 'paused' ? 'stopped' : undefined),
    };
    const transition = transitions[method];
    if (!transition) {
      throw new AcsError(
        400,
        AcsErrorCode.invalidCommand,
        `'${method}' is not a valid method (start, pause, resume, stop).`
      );
    }
    this.later(() => {
      const next = transition(workflow.state);
      if (next === undefined) return;
      if (method === 'start') {
        workflow.signalConsumed = false;
        workflow.runs += 1;
      }
      workflow.state = next;
    });
    return { status: 200, body: {} };
  }

  private trigger(workflow: WorkflowRuntime, activity: string, body: unknown, rawLength: number): ApiAnswer {
    const now = Date.now();
    const last = workflow.lastTrigger.get(activity);
    if (last !== undefined && now - last < this.options.signalCooldownMs) {
      return {
        status: 200,
        text: 'The signal activity can only be triggered once every 10 minutes. Please try again later.',
      };
    }
    if (rawLength > SIGNAL_BODY_LIMIT) throw new AcsError(400, AcsErrorCode.badRequest, 'The payload exceeds 64 KB.');
    const request = body as { source?: unknown; parameters?: unknown } | null;
    if (typeof request?.source !== 'string' || request.source === '') {
      throw new AcsError(400, AcsErrorCode.badRequest, "The 'source' attribute is mandatory.");
    }
    const parameters = (request.parameters ?? {}) as Record<string, unknown>;
    if (typeof parameters !== 'object' || Array.isArray(parameters)) {
      throw new AcsError(400, AcsErrorCode.badRequest, "'parameters' must be an object.");
    }
    const declared = workflow.config.signals?.[activity] ?? {};
    for (const [name, value] of Object.entries(parameters)) {
      const type = declared[name];
      if (type === undefined) {
        throw new AcsError(
          400,
          AcsErrorCode.signalParameter,
          `An error has occurred - please contact your administrator. '${name}' parameter isn't defined in signal activity.`
        );
      }
      if (!typeMatches(type, value)) {
        throw new AcsError(400, AcsErrorCode.signalParameter, `The '${name}' parameter must be of type ${type}.`);
      }
    }
    if (workflow.state !== 'started' || workflow.signalConsumed) {
      throw new AcsError(
        400,
        AcsErrorCode.workflowState,
        `The workflow '${workflow.config.id}' is not waiting for this signal.`
      );
    }
    workflow.lastTrigger.set(activity, now);
    workflow.signalConsumed = true;
    workflow.lastExecution = { source: request.source, parameters, startedAt: formatAcsDateTime(new Date()) };
    this.later(() => this.execute(workflow, activity));
    return { status: 200, body: {} };
  }

  private execute(workflow: WorkflowRuntime, activity: string): void {
    const execution = workflow.lastExecution;
    const spec = workflow.config.import;
    if (!execution || !spec || spec.signal !== activity) {
      if (workflow.state === 'started') workflow.state = 'finished';
      return;
    }
    const run = this.runImport(workflow, execution, spec).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async runImport(
    workflow: WorkflowRuntime,
    execution: Execution,
    spec: NonNullable<WorkflowConfig['import']>
  ): Promise<void> {
    const runNumber = workflow.runs;
    try {
      while (this.importsHeld && workflow.state !== 'stopped' && workflow.runs === runNumber) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const table = this.store.table(spec.resource);
      if (!table) throw new Error(`the resource '${spec.resource}' does not exist`);
      if (!this.options.importFolder || !this.options.rejectsFolder)
        throw new Error('the simulator has no SFTP folder');
      const fileNames = execution.parameters[spec.fileNamesParameter ?? 'fileNames'];
      const names = (typeof fileNames === 'string' ? fileNames : '')
        .split(/[,\n]/)
        .map((name) => name.trim())
        .filter((name) => name !== '');
      execution.report = emptyImportReport();
      await runImport(
        this.store,
        {
          table,
          keyFields: spec.key,
          folder: this.options.importFolder,
          rejectsFolder: this.options.rejectsFolder,
          refuse: (key) => this.refusedKeys.get(key),
          msPerRecord: this.options.importMsPerRecord ?? 0,
          ...(spec.unreconciledLinks ? { unreconciledLinks: spec.unreconciledLinks } : {}),
        },
        names,
        {
          stopped: () => workflow.state === 'stopped' || workflow.runs !== runNumber,
          paused: () => workflow.state === 'paused',
          whilePaused: async () => {
            while (workflow.state === 'paused') await new Promise((resolve) => setTimeout(resolve, 20));
          },
        },
        execution.report
      );
      if (workflow.state === 'started' && workflow.runs === runNumber) workflow.state = 'finished';
    } catch (error) {
      execution.error = (error as Error).message;
      this.options.logger?.warn({ workflow: workflow.config.id, error: execution.error }, 'import workflow failed');
      if (workflow.runs === runNumber) workflow.state = 'error';
    } finally {
      execution.finishedAt = formatAcsDateTime(new Date());
    }
  }

  private later(action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, this.options.commandDelayMs);
    this.timers.add(timer);
  }

  private json(workflow: WorkflowRuntime): Record<string, unknown> {
    const href = `${this.baseUrl()}/workflow/execution/${workflow.pkey}`;
    const activity: Record<string, unknown> = {};
    for (const [name, pkey] of workflow.activityPKeys) {
      activity[name] = {
        PKey: pkey,
        name,
        type: 'signal',
        href: `${href}/activities/activity/${pkey}`,
        trigger: { href: `${href}/activities/activity/${pkey}/trigger/` },
      };
    }
    return {
      PKey: workflow.pkey,
      href,
      internalName: workflow.config.id,
      label: workflow.config.label ?? workflow.config.id,
      state: workflow.state,
      lastExecution: workflow.lastExecution ?? null,
      activities: { activity },
    };
  }
}

function typeMatches(type: SignalParameterType, value: unknown): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  if (type === 'boolean') return typeof value === 'boolean';
  return typeof value === 'string' && parseAcsDate(value) !== undefined;
}

/** The default import workflow for profiles: signal `signal1` with parameter `fileNames`. */
export function defaultImportWorkflow(): WorkflowConfig {
  return {
    id: 'WKF_IMPORT_PROFILE',
    label: 'Import profiles from SFTP (D365 initial transfer)',
    signals: { signal1: { fileNames: 'string' } },
    import: { resource: 'profile', key: ['externalId'], signal: 'signal1' },
  };
}

export function importFolders(
  sftpRoot: string,
  importDir: string,
  rejectsDir: string
): { importFolder: string; rejectsFolder: string } {
  return { importFolder: join(sftpRoot, importDir), rejectsFolder: join(sftpRoot, rejectsDir) };
}
