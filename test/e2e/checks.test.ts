import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import {
  doctorReportSchema,
  flowActionsReportSchema,
  redriveReportSchema,
  statusReportSchema,
} from '../../src/cli/report-schemas';
import { freePort } from '../../src/sandbox/ports';
import { ingressManagerId } from '../../src/workflows/ingress/ids';
import { assertBuildIsFresh, runCli } from '../harness/cli';
import { eventually } from '../harness/polling';
import { startFlowStack, type FlowStack, type RunningWorker } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';

const MAPPING = 'checked-contacts';
const FLOW = ingressManagerId(MAPPING);

/**
 * The operator checks, as a monitoring job runs them: `status --check` (exit codes 0, 4, 5) and `doctor` (one line
 * per system, exit 1 when one fails), against a real stack, each failure produced for real.
 */
describe('status --check and doctor', () => {
  let stack: FlowStack;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      dynamics: { seedContacts: 5 },
      flows: { ingress: [contactsToProfiles(MAPPING, { every: '1s' })] },
    });
  });
  afterAll(async () => {
    await stack.temporal.client.workflow
      .getHandle(FLOW)
      .terminate('test over')
      .catch(() => undefined);
    await worker?.stop();
    await stack?.close();
  });

  const cli = (args: string[], file = stack.configFile, env = stack.secretEnv) =>
    runCli([...args, '--config', file], env);

  async function variant(name: string, change: (config: Record<string, any>) => void): Promise<string> {
    const config = YAML.parse(await readFile(stack.configFile, 'utf8')) as Record<string, any>;
    change(config);
    const file = path.join(stack.dir, name);
    await writeFile(file, YAML.stringify(config));
    return file;
  }

  async function doctor(file = stack.configFile, env = stack.secretEnv) {
    const result = await cli(['doctor', '--json'], file, env);
    const report = doctorReportSchema.parse(JSON.parse(result.stdout));
    const failed = Object.fromEntries(report.checks.filter((c) => !c.ok).map((c) => [c.check, c.message]));
    return { code: result.code, report, failed };
  }

  it('status --check exits 5 while no worker polls', async () => {
    const result = await cli(['status', '--check']);
    expect(result.code).toBe(5);
    expect(result.stdout).toContain(`no-worker: no worker polls task queue ${stack.taskQueue}`);
    const json = await cli(['status', '--check', '--json']);
    expect(json.code).toBe(5);
    expect(statusReportSchema.parse(JSON.parse(json.stdout)).check).toMatchObject({ ok: false, exitCode: 5 });
  });

  it('doctor fails only the worker line while no worker polls', async () => {
    const { code, report, failed } = await doctor();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(Object.keys(failed)).toEqual(['temporal worker']);
    expect(report.checks.map((c) => c.check)).toEqual([
      'temporal connection',
      'temporal namespace',
      'temporal search attributes',
      'temporal worker',
      'secrets',
      'd365 token',
      'd365 WhoAmI',
      'campaign IMS token',
      'sftp login and host key',
      'sftp folder campaign.sftp.root',
    ]);
  });

  it('doctor and status --check pass once a worker polls and the flow runs', async () => {
    worker = await stack.startWorker();
    const started = await cli(['start', 'all', '--json']);
    expect(started.code).toBe(0);
    expect(flowActionsReportSchema.parse(JSON.parse(started.stdout))).toEqual({
      command: 'start',
      flows: [{ workflowId: FLOW, ok: true, outcome: 'started' }],
    });
    await eventually(async () => {
      const result = await cli(['status', '--check']);
      expect(result.stdout).toContain('Check: healthy');
      expect(result.code).toBe(0);
    });
    const { code, report } = await doctor();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(code).toBe(0);
    const text = await cli(['doctor']);
    expect(text.stdout).toMatch(/^ok {4}temporal connection: connected to /m);
    expect(text.stdout).toMatch(/^ok {4}d365 WhoAmI: application user [0-9a-f-]{36} in organization /m);
  });

  it('doctor names each system that refuses the credentials, and skips what depends on it', async () => {
    const { code, failed } = await doctor(stack.configFile, {
      ...stack.secretEnv,
      TEST_D365_SECRET: 'not-the-secret',
      TEST_CAMPAIGN_SECRET: 'not-the-secret',
    });
    expect(code).toBe(1);
    expect(failed['d365 token']).toMatch(/token request for app .* failed/);
    expect(failed['d365 WhoAmI']).toBe('skipped: no D365 token');
    expect(failed['campaign IMS token']).toBeDefined();
    expect(Object.keys(failed)).toEqual(['d365 token', 'd365 WhoAmI', 'campaign IMS token']);
    expect(JSON.stringify(failed)).not.toContain('not-the-secret');
  });

  it('doctor fails the SFTP login on a host key that is not pinned, and a folder that is missing', async () => {
    const wrongKey = await variant('host-key.yaml', (c) => {
      c.campaign.sftp.hostKeyFingerprints = ['SHA256:' + 'A'.repeat(43)];
    });
    const login = await doctor(wrongKey);
    expect(login.code).toBe(1);
    expect(login.failed['sftp login and host key']).toContain('host key');
    expect(login.failed['sftp folder campaign.sftp.root']).toBe('skipped: no SFTP login');

    const folder = await variant('folder.yaml', (c) => {
      c.egress = { sourceFolder: 'no-such-folder' };
    });
    const missing = await doctor(folder);
    expect(missing.code).toBe(1);
    expect(missing.failed).toEqual({
      'sftp folder egress.sourceFolder': expect.stringContaining('/no-such-folder is missing') as string,
    });
  });

  it('doctor names a missing secret, an unknown namespace and an unreachable Temporal', async () => {
    const noKey = await doctor(stack.configFile, { ...stack.secretEnv, TEST_SFTP_KEY: '' });
    expect(noKey.code).toBe(1);
    expect(noKey.failed.secrets).toContain('TEST_SFTP_KEY');

    const namespace = await variant('namespace.yaml', (c) => {
      c.temporal.namespace = 'no-such-namespace';
    });
    const unknown = await doctor(namespace);
    expect(unknown.code).toBe(1);
    expect(Object.keys(unknown.failed)).toEqual(
      expect.arrayContaining(['temporal namespace', 'temporal search attributes', 'temporal worker'])
    );

    const port = await freePort();
    const unreachable = await variant('unreachable.yaml', (c) => {
      c.temporal.address = `127.0.0.1:${port}`;
    });
    const down = await doctor(unreachable);
    expect(down.code).toBe(1);
    expect(down.failed['temporal connection']).toContain(`cannot reach Temporal at 127.0.0.1:${port}`);
    // The other systems are still checked.
    expect(down.failed['d365 token']).toBeUndefined();
  });

  it('prints --json for every command that acts on flows', async () => {
    const actions = async (args: string[]) => {
      const result = await cli([...args, '--json']);
      return { code: result.code, report: flowActionsReportSchema.parse(JSON.parse(result.stdout)) };
    };
    for (const [command, outcome] of [
      ['pause', 'paused'],
      ['resume', 'resumed'],
      ['sync-now', 'asked to sync now'],
    ] as const) {
      expect(await actions([command, FLOW])).toEqual({
        code: 0,
        report: { command, flows: [{ workflowId: FLOW, ok: true, outcome }] },
      });
    }
    expect(await actions(['replay', MAPPING])).toMatchObject({
      code: 0,
      report: { flows: [{ outcome: 'replaying' }] },
    });
    expect(await actions(['reset-cursor', MAPPING, '--yes'])).toMatchObject({
      code: 0,
      report: { command: 'reset-cursor', flows: [{ workflowId: FLOW, ok: true, outcome: 'cursor-reset' }] },
    });
    // Nothing failed: retry has nothing to do, says so, and exits 1.
    await eventually(async () => expect((await cli(['status', '--check'])).code).toBe(0));
    expect(await actions(['retry', FLOW])).toMatchObject({
      code: 1,
      report: { command: 'retry', flows: [{ workflowId: FLOW, ok: false, outcome: 'nothing-to-retry' }] },
    });
    const redrive = await cli(['rejects', FLOW, '--redrive', '--json']);
    expect(redrive.code).toBe(0);
    expect(redriveReportSchema.parse(JSON.parse(redrive.stdout))).toEqual({
      flow: FLOW,
      workflowId: null,
      reports: [],
      redriven: 0,
      counts: {},
      leftAlone: 0,
    });
  });

  it('status --check exits 4 when a flow manager was terminated', async () => {
    await stack.temporal.client.workflow.getHandle(FLOW).terminate('operator test');
    const result = await cli(['status', '--check']);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain(`flow-failed: ${FLOW}: its manager is TERMINATED`);
  });
});
