import { spawn } from 'node:child_process';
import { PROFILE_EXTERNAL_ID_KEY } from '../../src/connectors/campaign';
import { rejectsReportSchema, runsReportSchema, statusReportSchema } from '../../src/cli/report-schemas';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { assertBuildIsFresh, collect, PROJECT_ROOT, runCli, startCli, waitForOutput } from '../harness/cli';
import { contactsAndProfiles, readProfiles, untilStatus } from '../harness/flow-compare';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';
import { eventually } from '../harness/polling';

const MAPPING = 'ops-contacts';
const FLOW = ingressManagerId(MAPPING);

/**
 * An operator's day, every command typed as a child process against a running stack (real Temporal, both simulators,
 * OpenSSH): start, status --watch with the transfer's progress, a transfer that fails (Campaign's import never
 * finishes), runs, retry from the checkpoint with nothing lost, rejects listed, shown and re-driven, reset-cursor
 * (refused without confirmation, confirmed on a terminal), stop and start again with the cursor kept, and retry of a
 * terminated manager. Every --json output is checked against its schema.
 */
describe('operating the flows from the CLI', () => {
  let stack: FlowStack;
  const cli = (...args: string[]) => runCli([...args, '--config', stack.configFile], stack.secretEnv);
  const manager = () => stack.temporal.client.workflow.getHandle(FLOW);

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 60 },
      // A retried import signals the Campaign workflow again; real ACS makes that wait 10 minutes.
      campaign: { signalCooldownMs: 1_000 },
      pageSize: 20,
      flows: {
        ingress: [
          contactsToProfiles(MAPPING, {
            deletes: true,
            initialTransfer: {
              fileThreshold: 20,
              chunkRows: 20,
              importWorkflow: 'WKF_IMPORT_PROFILE',
              importTimeout: '2s',
            },
          }),
        ],
      },
    });
    await stack.startWorker();
  });
  afterAll(async () => {
    await manager()
      .terminate('test over')
      .catch(() => undefined);
    await stack?.close();
  });

  it('follows a transfer that fails, and resumes it with retry: nothing lost, nothing duplicated', async () => {
    stack.campaign.workflows.holdImports();
    expect(await cli('start', 'all')).toMatchObject({ code: 0, stdout: `${FLOW}: started\n` });

    const watch = startCli(
      ['status', '--watch', '--json', '--interval', '300ms', '--config', stack.configFile],
      stack.secretEnv
    );
    const seen = await waitForOutput(watch, /"stage":"importing"/, 45_000);
    watch.kill('SIGINT');
    expect((await collect(watch)).code).toBe(0);
    const reports = seen
      .trim()
      .split('\n')
      .map((line) => statusReportSchema.parse(JSON.parse(line)));
    const progress = reports.flatMap((report) =>
      report.flows.flatMap((flow) => (flow.detail && 'phase' in flow.detail && flow.detail.transfer) || [])
    );
    expect(progress.at(-1)).toMatchObject({ path: 'file', stage: 'importing', totalRows: 60, rowsDone: 60 });
    expect(progress.at(-1)?.chunksTotal).toBe(3);

    await untilStatus(manager(), (s) => s.lastError !== undefined);
    const status = await cli('status');
    expect(status.stdout).toMatch(new RegExp(`${FLOW} +RUNNING +phase failed`));
    expect(status.stdout).toMatch(/initial transfer \[#{24}\] 100% 60 \/ 60 rows · chunk 3\/3/);
    expect(status.stdout).toContain('did not finish within initialTransfer.importTimeout');

    const failedRuns = runsReportSchema.parse(JSON.parse((await cli('runs', FLOW, '--json')).stdout));
    expect(failedRuns.runs).toEqual([
      expect.objectContaining({
        workflowId: `${FLOW}:initial:1`,
        kind: 'initial-transfer',
        status: 'FAILED',
        outcome: 'failed',
        counts: expect.objectContaining({ read: 60 }) as unknown,
      }),
    ]);

    stack.campaign.workflows.releaseImports();
    const retry = await cli('retry', FLOW);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain(`${FLOW}: retrying (the initial transfer resumes from its checkpoint`);
    await untilStatus(manager(), (s) => s.initialTransferDone && s.phase === 'waiting');
    const { d365, campaign, duplicates } = await contactsAndProfiles(stack.resources);
    expect(campaign).toEqual(d365);
    expect(duplicates).toEqual([]);

    const runs = runsReportSchema.parse(JSON.parse((await cli('runs', FLOW, '--json')).stdout)).runs;
    expect(runs.map((run) => [run.workflowId, run.status, run.outcome])).toEqual([
      [`${FLOW}:initial:2`, 'COMPLETED', 'succeeded'],
      [`${FLOW}:initial:1`, 'FAILED', 'failed'],
    ]);
    expect(await activitySummaries(`${FLOW}:initial:2`)).toEqual([
      'chunk 3', // resumed from the checkpoint after chunk 2: chunks 1 and 2 were not read again
    ]);
    const transfer = await stack.temporal.client.workflow.getHandle(`${FLOW}:initial:2`).describe();
    expect(await transfer.staticSummary()).toBe(`${MAPPING}: initial transfer, attempt 2 (resumed)`);
    expect(transfer.memo).toEqual({ counts: expect.objectContaining({ read: 60, rejected: 0 }) as unknown });
    expect((await cli('runs', FLOW)).stdout).toMatch(
      new RegExp(`^RUN +STATUS +OUTCOME +STARTED \\(UTC\\) +DURATION +COUNTS\\n${FLOW}:initial:2 +COMPLETED +succeeded`)
    );
  });

  it('says when there is nothing to retry, and refuses unknown flows and "all" where one flow is needed', async () => {
    const nothing = await cli('retry', FLOW);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain(
      `has no failure to retry (its last pass succeeded). To run a pass now: acs-d365 sync-now ${FLOW}`
    );
    expect((await cli('runs', 'ingress:nope')).stderr).toContain(
      `unknown flow ingress:nope; the configuration has: ${FLOW}`
    );
    expect((await cli('runs', 'all')).code).toBe(2);
    expect((await cli('retry', 'egress')).stderr).toContain('unknown flow egress');
  });

  it('lists, shows and re-drives rejects after a fix', async () => {
    const dynamics = stack.resources.dynamics();
    const bad = await dynamics.create('contacts', { firstname: 'Bad', lastname: 'Email', emailaddress1: 'no-at-sign' });
    const key = String(bad.id);
    expect((await cli('sync-now', FLOW)).code).toBe(0);
    const afterPass = await untilStatus(manager(), (s) => s.passes === 1);
    expect(afterPass.lastPass?.counts).toMatchObject({ read: 1, rejected: 1 });

    const listed = rejectsReportSchema.parse(JSON.parse((await cli('rejects', FLOW, '--json')).stdout));
    expect(listed.reports).toHaveLength(1);
    const report = listed.reports[0]!;
    expect(report).toMatchObject({ records: 1, reasons: [{ reason: 'email: not a valid email address', count: 1 }] });
    expect((await cli('rejects', FLOW)).stdout).toContain(`${report.name}  1 records, 1 lines`);
    const shown = await cli('rejects', FLOW, '--show', report.name);
    expect(shown.stdout).toBe(`${key}  email  string  email: not a valid email address\n`);
    expect(shown.stdout).not.toContain('no-at-sign');
    expect((await cli('rejects', FLOW, '--show', '../secrets.csv')).code).toBe(2);

    // Paused, so that only the re-drive can bring the fixed record over.
    expect((await cli('pause', FLOW)).code).toBe(0);
    await dynamics.update('contacts', key, { emailaddress1: 'bad.email@example.com' });
    const redrive = await cli('rejects', FLOW, '--redrive');
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toMatch(/1 records re-driven: read 1, created 1, .*rejected 0/);
    const { byKey } = await readProfiles(stack.resources);
    expect(byKey.get(key)).toMatchObject({ email: 'bad.email@example.com' });
    const after = rejectsReportSchema.parse(JSON.parse((await cli('rejects', FLOW, '--json')).stdout));
    expect(after.reports).toEqual([]);
    expect((await cli('rejects', FLOW, '--redrive')).stdout).toBe(`${FLOW}: no rejects report to re-drive\n`);
    expect((await cli('resume', FLOW)).code).toBe(0);
  });

  it('resets a cursor only when confirmed, then reads everything and deletes what D365 no longer has', async () => {
    const refused = await cli('reset-cursor', MAPPING);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('needs a confirmation: run it in a terminal, or add --yes');

    const declined = await onTerminal(['reset-cursor', MAPPING, '--config', stack.configFile], stack.secretEnv, 'n\n');
    expect(declined).toContain('[y/N]');
    expect(declined).toContain('Nothing changed.');

    const profiles = stack.resources
      .campaign()
      .resource({ api: 'profileAndServicesExt', name: 'profile', key: PROFILE_EXTERNAL_ID_KEY });
    const orphan = '00000000-0000-4000-8000-00000000dead';
    await profiles.create({ externalId: orphan, lastName: 'Orphan' });
    const confirmed = await onTerminal(['reset-cursor', MAPPING, '--config', stack.configFile], stack.secretEnv, 'y\n');
    expect(confirmed).toContain(`${FLOW}: cursor reset; a full read starts now`);
    await eventually(async () => {
      await stack.temporal.client.workflow.getHandle(`${FLOW}:initial:3`).result();
    });
    await untilStatus(manager(), (s) => s.initialTransferDone && s.phase === 'waiting');
    const { d365, campaign } = await contactsAndProfiles(stack.resources);
    expect(campaign).toEqual(d365);
    expect(await profiles.findByKey({ externalId: orphan })).toBeUndefined();
  });

  it('stops and starts again from the cursor, and retries a terminated manager from its recorded state', async () => {
    expect((await cli('stop', FLOW)).stdout).toBe(`${FLOW}: stopping\n`);
    await eventually(async () => {
      if ((await manager().describe()).status.name !== 'CANCELLED') throw new Error('not cancelled yet');
    });
    expect((await cli('status')).stdout).toMatch(new RegExp(`${FLOW} +CANCELLED +closed .* ago`));
    expect((await cli('start', FLOW)).stdout).toBe(`${FLOW}: resumed from its last run (cursors kept)\n`);
    const resumed = await untilStatus(manager(), (s) => s.phase === 'waiting');
    expect(resumed).toMatchObject({ initialTransferDone: true, passes: 1 });
    expect(resumed.cursorAt).toBeDefined();

    await manager().terminate('an operator terminated it in the UI');
    const retried = await cli('retry', FLOW);
    expect(retried.stdout).toBe(
      `${FLOW}: its manager had TERMINATED; restarted from the state its last run recorded\n`
    );
    await untilStatus(manager(), (s) => s.phase === 'waiting' && s.initialTransferDone);
    // Neither restart transferred everything again: the third transfer (reset-cursor) is still the last.
    await expect(stack.temporal.client.workflow.getHandle(`${FLOW}:initial:4`).describe()).rejects.toThrow(
      /not found/i
    );

    expect((await cli('sync-now', FLOW)).code).toBe(0);
    await untilStatus(manager(), (s) => s.passes === 2);
    const text = (await cli('status')).stdout;
    expect(text).toMatch(
      new RegExp(`${FLOW} +RUNNING +phase waiting · 2 passes · cursor moved \\d+(ms|s) ago · next run in`)
    );
    expect(text).toMatch(/last pass 2 \(\d+(ms|s) ago\): read 0, created 0/);
  });

  /** The summaries the Temporal UI shows for the page and chunk activities of a workflow, in order. */
  async function activitySummaries(workflowId: string): Promise<string[]> {
    const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((event) => {
      const summary = event.activityTaskScheduledEventAttributes ? event.userMetadata?.summary?.data : undefined;
      return summary ? [JSON.parse(Buffer.from(summary).toString('utf8')) as string] : [];
    });
  }
});

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `input`; returns what the terminal showed. */
async function onTerminal(args: string[], env: Record<string, string>, input: string): Promise<string> {
  const command = [process.execPath, 'bin/acs-d365.js', ...args].map((part) => `'${part}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
  child.stdin.write(input);
  const result = await collect(child);
  return result.stdout;
}
