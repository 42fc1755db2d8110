import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import YAML from 'yaml';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { freePort } from '../../src/sandbox/ports';
import { type EgressCounts } from '../../src/sync/egress/counts';
import { egressManagerWorkflow, ingressManagerWorkflow } from '../../src/workflows';
import { egressStatusQuery } from '../../src/workflows/egress/messages';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { ingressStatusQuery, syncNowSignal } from '../../src/workflows/ingress/messages';
import { assertBuildIsFresh, PROJECT_ROOT, runCli } from '../harness/cli';
import { eventually, untilQuery } from '../harness/polling';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { parseExposition, samplesOf, seriesNamesIn, sumOf, type Sample } from '../harness/prometheus';
import { activeContactIds } from '../harness/reliability';

const MAPPING = 'metrics-contacts';
const CONTACTS = 30;
const FLOW = { flow: 'ingress', mapping: MAPPING };
const EVENTS = 40;

/**
 * The worker's Prometheus endpoint, scraped from a real `acs-d365 worker` process after an initial transfer, an
 * incremental pass that D365 throttled twice, an egress pass, and a verify that found one drifted profile; then the
 * alert rules and the dashboard under deploy/ are checked to read only series that endpoint serves.
 */
describe('worker metrics', () => {
  let stack: FlowStack;
  let ingress: WorkflowHandle<typeof ingressManagerWorkflow>;
  let egress: WorkflowHandle<typeof egressManagerWorkflow>;
  let egressCounts: EgressCounts;
  let metricsUrl: string;
  let samples: Sample[];
  let scrapeText: string;
  const startedAt = Date.now() / 1000;

  beforeAll(async () => {
    assertBuildIsFresh();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    stack = await startFlowStack({
      dynamics: { seedContacts: CONTACTS },
      pageSize: 10,
      flows: { ingress: [contactsToProfiles(MAPPING, { every: '1h' })], egress: { every: '1h' } },
      worker: { metricsAddress: `127.0.0.1:${port}` },
    });
    stack.startWorkerProcess();
    ingress = await stack.temporal.client.workflow.start(ingressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: ingressManagerId(MAPPING),
      args: [{ mapping: MAPPING }],
    });
    await untilQuery(ingress, ingressStatusQuery, (s) => s.initialTransferDone && s.phase === 'waiting');

    // An incremental pass over two edited contacts, during which D365 answers 429 twice (Retry-After: 1).
    const [first = '', second = ''] = await activeContactIds(stack.resources, 2);
    for (const id of [first, second]) await stack.resources.dynamics().update('contacts', id, { firstname: 'Edited' });
    stack.dynamics.faults.throttleNext(2, 1);
    await ingress.signal(syncNowSignal);
    await untilQuery(ingress, ingressStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');

    // An egress pass over one file of email events.
    expect(stack.campaign.exports!.generateEvents(EVENTS)).toBe(EVENTS);
    await stack.campaign.exports!.writeNow();
    egress = await stack.temporal.client.workflow.start(egressManagerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: 'metrics-egress',
      args: [{}],
    });
    const egressStatus = await untilQuery(egress, egressStatusQuery, (s) => s.passes >= 1 && s.phase === 'waiting');
    egressCounts = egressStatus.lastPass!.counts;

    // One profile changed behind the flow's back: the verify the worker runs finds it.
    const profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    const profile = await profiles.findByKey({ externalId: first });
    await profiles.patch(profile!.PKey, { lastName: 'Drifted' });
    const verify = await runCli(
      ['verify', '--in-worker', '--quiet', '0s', '--config', stack.configFile],
      stack.secretEnv
    );
    expect(verify.code).toBe(3);

    // The D365 figures are sampled every 2 s.
    scrapeText = await eventually(async () => {
      const text = await (await fetch(metricsUrl)).text();
      expect(sumOf(parseExposition(text), 'acs_d365_throttled_total')).toBe(2);
      return text;
    }, 15_000);
    samples = parseExposition(scrapeText);
  }, 180_000);

  afterAll(async () => {
    for (const handle of [ingress, egress]) await handle?.terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  it("counts the transfer's and the pass's records per flow and mapping", () => {
    const transfer = { ...FLOW, workflowType: 'initialTransferWorkflow' };
    const pass = { ...FLOW, workflowType: 'ingressPassWorkflow' };
    expect(sumOf(samples, 'acs_records_read_total', transfer)).toBe(CONTACTS);
    expect(sumOf(samples, 'acs_records_written_total', transfer)).toBe(CONTACTS);
    expect(sumOf(samples, 'acs_records_read_total', pass)).toBe(2);
    expect(sumOf(samples, 'acs_records_written_total', pass)).toBe(2);
    expect(sumOf(samples, 'acs_records_rejected_total', FLOW)).toBe(0);
  });

  it("counts the egress pass's records as the pass itself counted them, without a mapping label", () => {
    const labels = { flow: 'egress' };
    expect(egressCounts.read).toBe(EVENTS);
    expect(sumOf(samples, 'acs_records_read_total', labels)).toBe(EVENTS);
    expect(sumOf(samples, 'acs_records_written_total', labels)).toBe(egressCounts.created + egressCounts.tasks);
    expect(sumOf(samples, 'acs_records_rejected_total', labels)).toBe(egressCounts.rejected);
    expect(sumOf(samples, 'acs_passes_total', { ...labels, outcome: 'succeeded' })).toBe(1);
    expect(samplesOf(samples, 'acs_records_read_total', labels).every((s) => s.labels.mapping === undefined)).toBe(
      true
    );
    expect(sumOf(samples, 'acs_cursor_timestamp_seconds', labels)).toBeGreaterThan(startedAt);
  });

  it('records each pass once with its outcome and duration, and when the cursor moved', () => {
    for (const workflowType of ['initialTransferWorkflow', 'ingressPassWorkflow']) {
      const labels = { ...FLOW, workflowType, outcome: 'succeeded' };
      expect(sumOf(samples, 'acs_passes_total', labels)).toBe(1);
      expect(sumOf(samples, 'acs_pass_duration_seconds_count', labels)).toBe(1);
      expect(sumOf(samples, 'acs_pass_duration_seconds_sum', labels)).toBeGreaterThan(0);
      expect(sumOf(samples, 'acs_pass_last_end_timestamp_seconds', labels)).toBeGreaterThan(startedAt);
    }
    expect(samplesOf(samples, 'acs_passes_total', { outcome: 'failed' })).toEqual([]);
    const cursorAt = sumOf(samples, 'acs_cursor_timestamp_seconds', FLOW);
    expect(cursorAt).toBeGreaterThanOrEqual(
      sumOf(samples, 'acs_pass_last_end_timestamp_seconds', { ...FLOW, workflowType: 'ingressPassWorkflow' })
    );
    expect(cursorAt).toBeLessThanOrEqual(Date.now() / 1000);
    expect(sumOf(samples, 'acs_flow_interval_seconds', FLOW)).toBe(3600);
  });

  it("reports D365's 429 answers, the seconds they asked to wait, and the requests in flight", () => {
    expect(sumOf(samples, 'acs_d365_throttled_total')).toBe(2);
    expect(sumOf(samples, 'acs_d365_penalty_seconds_total')).toBe(2);
    const inFlight = sumOf(samples, 'acs_d365_requests_in_flight');
    expect(inFlight).toBeGreaterThanOrEqual(0);
    expect(inFlight).toBeLessThanOrEqual(stack.config.dynamics.maxConcurrentRequests);
  });

  it('reports the drift the last verify found, per scope', () => {
    expect(sumOf(samples, 'acs_verify_drift_records', { scope: `ingress:${MAPPING}` })).toBe(1);
    expect(sumOf(samples, 'acs_verify_drift_records', { scope: 'egress' })).toBe(0);
    expect(sumOf(samples, 'acs_verify_last_end_timestamp_seconds', { outcome: 'drift' })).toBeGreaterThan(startedAt);
  });

  it("serves the SDK's own metrics: the worker's pollers and task slots", () => {
    expect(
      sumOf(samples, 'temporal_num_pollers', { poller_type: 'workflow_task', task_queue: stack.taskQueue })
    ).toBeGreaterThan(0);
    expect(samplesOf(samples, 'temporal_worker_task_slots_available', { worker_type: 'ActivityWorker' })).not.toEqual(
      []
    );
  });

  it('labels series with names from the configuration, never record values', async () => {
    const values: string[] = [];
    for await (const page of stack.resources
      .dynamics()
      .readPages('contacts', { select: ['contactid', 'firstname', 'lastname', 'emailaddress1'] })) {
      for (const row of page.rows)
        values.push(...Object.values(row).filter((v): v is string => typeof v === 'string' && v.length > 3));
    }
    expect(values.length).toBeGreaterThan(CONTACTS);
    const labelValues = new Set(samples.flatMap((sample) => Object.values(sample.labels)));
    expect(values.filter((value) => labelValues.has(value) || scrapeText.includes(value))).toEqual([]);
  });

  it.each([
    ['the alert rules', () => alertRules().map((rule) => rule.expr)],
    ['the Grafana dashboard', () => dashboardExpressions()],
  ])('%s read only series the worker serves', (_what, expressions) => {
    const served = new Set(samples.map((sample) => sample.name.replace(/_(bucket|sum|count)$/, '')));
    const exprs = expressions();
    expect(exprs.length).toBeGreaterThan(3);
    const read = exprs.flatMap(seriesNamesIn);
    expect(read.filter((name) => !served.has(name.replace(/_(bucket|sum|count)$/, '')))).toEqual([]);
  });

  it('has the four alerts the operations guide describes, each with a severity and a summary', () => {
    const rules = alertRules();
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['AcsFlowFailed', 'AcsCursorStale', 'AcsNoWorkerPolling', 'AcsDrift'])
    );
    for (const rule of rules) {
      expect(rule.labels?.severity).toMatch(/^(critical|warning)$/);
      expect(rule.annotations?.summary).toEqual(expect.any(String));
    }
    const guide = readFileSync(path.join(PROJECT_ROOT, 'docs', 'operations.md'), 'utf8');
    for (const rule of rules) expect(guide).toContain(rule.alert);
  });
});

interface AlertRule {
  alert: string;
  expr: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
}

/** deploy/prometheus/alerts.yml, parsed: every rule of every group. */
function alertRules(): AlertRule[] {
  const file = YAML.parse(readFileSync(path.join(PROJECT_ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as {
    groups: { name: string; rules: AlertRule[] }[];
  };
  return file.groups.flatMap((group) => group.rules);
}

/** The PromQL of every panel of deploy/grafana/acs-d365-sync.json. */
function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(
    readFileSync(path.join(PROJECT_ROOT, 'deploy', 'grafana', 'acs-d365-sync.json'), 'utf8')
  ) as { panels: { targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}
