import { sleep } from './backoff';
import { type CampaignHttp } from './campaign-http';
import { formatAcsDateTime } from '../../sync/acs-dates';
import { CampaignApiError, CampaignSignalCooldownError, CampaignWorkflowTimeoutError } from './errors';

export type WorkflowCommand = 'start' | 'pause' | 'resume' | 'stop';

/** A workflow as `GET /workflow/execution/<id>` returns it. */
export interface WorkflowInfo {
  PKey: string;
  /** The `state` field of the answer (e.g. `started`, `paused`, `finished`); undefined when absent. */
  state: string | undefined;
  /** The whole answer, for fields this client does not interpret. */
  raw: Record<string, unknown>;
}

export type SignalParameterValue = string | number | boolean | Date;

export interface WaitOptions {
  /** Give up after this long. @default 600000 */
  timeoutMs?: number;
  /** Time between two reads of the state. @default 2000 */
  pollIntervalMs?: number;
  /**
   * States that end the wait.
   * @default ['finished', 'stopped', 'error', 'edition']
   */
  finalStates?: string[];
}

/** Controls ACS workflows: read state, start/pause/resume/stop, trigger external signals, wait. */
export class WorkflowClient {
  constructor(private readonly http: CampaignHttp) {}

  async get(workflowId: string): Promise<WorkflowInfo> {
    const response = await this.http.request({
      method: 'GET',
      target: `/workflow/execution/${encodeURIComponent(workflowId)}`,
      retry: 'idempotent',
    });
    const raw = response.json as Record<string, unknown> | undefined;
    if (raw === undefined || typeof raw !== 'object' || typeof raw.PKey !== 'string') {
      throw new CampaignApiError(
        'GET /workflow/execution/<id>',
        'answer is not a workflow with a PKey',
        response.status
      );
    }
    return { PKey: raw.PKey, state: typeof raw.state === 'string' ? raw.state : undefined, raw };
  }

  /** Sends a command; ACS applies it asynchronously, so read the state afterwards to see it take effect. */
  async command(workflowId: string, method: WorkflowCommand): Promise<void> {
    await this.http.request({
      method: 'POST',
      target: `/workflow/execution/${encodeURIComponent(workflowId)}/commands`,
      body: { method },
      retry: 'idempotent',
      expectJson: false,
    });
  }

  start(workflowId: string): Promise<void> {
    return this.command(workflowId, 'start');
  }
  pause(workflowId: string): Promise<void> {
    return this.command(workflowId, 'pause');
  }
  resume(workflowId: string): Promise<void> {
    return this.command(workflowId, 'resume');
  }
  stop(workflowId: string): Promise<void> {
    return this.command(workflowId, 'stop');
  }

  /**
   * Triggers the external signal activity `activityName` of a running workflow, with parameters.
   * The trigger URL is taken from the workflow's answer, never built. Not repeated on failure: a repeat within ten
   * minutes is refused by ACS. Throws CampaignSignalCooldownError when ACS answers with its plain-text cooldown message.
   */
  async triggerSignal(
    workflowId: string,
    activityName: string,
    source: string,
    parameters: Record<string, SignalParameterValue> = {}
  ): Promise<void> {
    const workflow = await this.get(workflowId);
    const href = triggerHref(workflow.raw, activityName);
    if (href === undefined) {
      throw new CampaignApiError(
        'GET /workflow/execution/<id>',
        `workflow has no signal activity '${activityName}' with a trigger href`
      );
    }
    const body = {
      source,
      parameters: Object.fromEntries(
        Object.entries(parameters).map(([name, value]) => [
          name,
          value instanceof Date ? formatAcsDateTime(value) : value,
        ])
      ),
    };
    const response = await this.http.request({ method: 'POST', target: href, body, retry: 'none', expectJson: false });
    if (response.text.trim() !== '' && response.json === undefined) {
      throw new CampaignSignalCooldownError(
        this.http.callName('POST', this.http.resolve(href)),
        response.status,
        response.text
      );
    }
  }

  /** Polls the workflow until its state is one of `finalStates`, or throws CampaignWorkflowTimeoutError. */
  async waitForFinish(workflowId: string, options: WaitOptions = {}): Promise<WorkflowInfo> {
    const finalStates = options.finalStates ?? ['finished', 'stopped', 'error', 'edition'];
    return this.waitForState(workflowId, (state) => state !== undefined && finalStates.includes(state), options);
  }

  /** Polls the workflow until `accept(state)` holds, or throws CampaignWorkflowTimeoutError. */
  async waitForState(
    workflowId: string,
    accept: (state: string | undefined) => boolean,
    options: WaitOptions = {}
  ): Promise<WorkflowInfo> {
    const timeoutMs = options.timeoutMs ?? 600_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const workflow = await this.get(workflowId);
      if (accept(workflow.state)) return workflow;
      if (Date.now() >= deadline) throw new CampaignWorkflowTimeoutError(workflowId, workflow.state, timeoutMs);
      await sleep(Math.min(options.pollIntervalMs ?? 2000, Math.max(0, deadline - Date.now())));
    }
  }
}

function triggerHref(workflow: Record<string, unknown>, activityName: string): string | undefined {
  const activities = workflow.activities as { activity?: Record<string, { trigger?: { href?: unknown } }> } | undefined;
  const href = activities?.activity?.[activityName]?.trigger?.href;
  return typeof href === 'string' ? href : undefined;
}
