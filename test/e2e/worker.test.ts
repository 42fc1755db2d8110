import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { assertBuildIsFresh, collect, PROJECT_ROOT, runCli, startCli } from '../harness/cli';
import { uniqueTaskQueue } from '../harness/temporal';
import { eventually } from '../harness/polling';

beforeAll(() => assertBuildIsFresh());

describe('acs-d365 worker against the real dev server', () => {
  it('polls its task queue, shows in status, and shuts down gracefully on SIGTERM', async () => {
    const address = process.env.TEMPORAL_TEST_ADDRESS!;
    const taskQueue = uniqueTaskQueue('e2e-worker');
    const config = YAML.parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'example.yaml'), 'utf8')) as Record<
      string,
      any
    >;
    config.temporal = { address, namespace: 'default', taskQueue };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'acs-worker-')), 'config.yaml');
    writeFileSync(file, YAML.stringify(config));
    const env = {
      D365_CLIENT_SECRET: 'd365-secret-value',
      CAMPAIGN_CLIENT_SECRET: 'campaign-secret-value',
      CAMPAIGN_SFTP_KEY: 'key-value',
    };

    const worker = startCli(['worker', '--config', file], env);
    const exited = collect(worker);
    try {
      await eventually(async () => {
        const status = await runCli(['status', '--json', '--config', file], env);
        expect(status.code).toBe(0);
        expect((JSON.parse(status.stdout) as { workers: unknown[] }).workers).toHaveLength(1);
      });
    } finally {
      worker.kill('SIGTERM');
    }
    const result = await exited;
    expect(result.code).toBe(0);
    const logLines = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; taskQueue?: string });
    expect(logLines.map((line) => line.msg)).toEqual(expect.arrayContaining(['worker started', 'worker stopped']));
    expect(logLines.find((line) => line.msg === 'worker started')?.taskQueue).toBe(taskQueue);
    expect(result.stderr).not.toContain('secret-value');
  });
});
