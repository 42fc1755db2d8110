import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Command } from 'commander';
import YAML from 'yaml';
import { buildProgram } from '../../src/cli/program';
import { freePort } from '../../src/sandbox/ports';
import { assertBuildIsFresh, PROJECT_ROOT, runCli } from '../harness/cli';

const EXAMPLE = path.join(PROJECT_ROOT, 'config', 'example.yaml');
const workDir = mkdtempSync(path.join(tmpdir(), 'acs-cli-'));

function writeConfig(name: string, change: (config: Record<string, any>) => void): string {
  const config = YAML.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, any>;
  change(config);
  const file = path.join(workDir, name);
  writeFileSync(file, YAML.stringify(config));
  return file;
}

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const own = [...prefix, sub.name()];
    return [own, ...commandPaths(sub, own)];
  });
}

beforeAll(() => assertBuildIsFresh());

describe('acs-d365 --help', () => {
  const paths = [[], ...commandPaths(buildProgram())].filter((p) => p[0] !== 'help');

  it.each(paths.map((p) => [p.join(' ') || '(root)', p] as const))(
    '%s has help with an example',
    async (_name, commandPath) => {
      const result = await runCli([...commandPath, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: acs-d365${commandPath.length ? ` ${commandPath.join(' ')}` : ''}`);
      expect(result.stdout).toMatch(/Examples?:\n\s+\$ .*acs-d365 /);
    }
  );
});

describe('exit codes for usage errors', () => {
  it.each([
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option', ['status', '--colour'], /unknown option '--colour'/],
    ['a missing argument', ['config', 'validate'], /missing required argument 'file'/],
    [
      'a bad port',
      ['sandbox', '--port', 'seventy'],
      /--port <port>' argument 'seventy' is invalid\. must be a TCP port/,
    ],
    [
      'a worker without a configuration',
      ['worker'],
      /no configuration file: pass --config <file> or set ACS_D365_CONFIG/,
    ],
  ])('%s exits with 2', async (_name, args, message) => {
    const result = await runCli(args, { ACS_D365_CONFIG: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('acs-d365 config validate', () => {
  it('accepts the example (exit 0) and summarises it', async () => {
    const result = await runCli(['config', 'validate', EXAMPLE]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('is valid: ingress contacts, subscriptions; egress on; opt-out bidirectional');
  });

  it('lists every problem with its path on stderr and exits 1', async () => {
    const file = writeConfig('broken.yaml', (c) => {
      delete c.ingress[0].fields[2].to;
      c.optOut.mode = 'sometimes';
    });
    const result = await runCli(['config', 'validate', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ingress[0].fields[2].to: required\n');
    expect(result.stderr).toContain(
      'optOut.mode: must be one of "disabled", "d365-to-campaign", "campaign-to-d365", "bidirectional"\n'
    );
    expect(result.stderr).toContain('2 problems found.');
  });

  it('refuses a configuration file with a 20 MB value with a clear error (exit 1), not a crash', async () => {
    const file = writeConfig('huge.yaml', (c) => (c.campaign.organization = `planted-huge-${'o'.repeat(20_000_000)}`));
    const result = await runCli(['config', 'validate', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /the configuration file is 2\d{7} bytes; a configuration file is at most 1048576 bytes/
    );
    expect(result.stderr).not.toContain('planted-huge');
    expect(result.stderr.length).toBeLessThan(1_000);
  });

  it('prints JSON with --json', async () => {
    const file = writeConfig('json.yaml', (c) => (c.dynamics.pageSize = 9000));
    const result = await runCli(['config', 'validate', file, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: false,
      problems: [{ path: 'dynamics.pageSize', message: 'must be at most 5000 (the D365 page limit)' }],
      notes: [],
    });
  });

  it('says when chunkRows is rounded up to the page size, and stays valid', async () => {
    const file = writeConfig('chunks.yaml', (c) => {
      c.dynamics.pageSize = 5000;
      c.ingress[0].initialTransfer = { fileThreshold: 100_000, chunkRows: 2000 };
    });
    const result = await runCli(['config', 'validate', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'note: ingress[0].initialTransfer.chunkRows: 2000 is rounded up to 5000 rows per chunk: a chunk ends at a D365 page boundary (dynamics.pageSize 5000)'
    );
    const json = await runCli(['config', 'validate', file, '--json']);
    expect((JSON.parse(json.stdout) as { notes: { path: string }[] }).notes.map((note) => note.path)).toEqual([
      'ingress[0].initialTransfer.chunkRows',
    ]);
  });

  it('with --check-env, names the secrets missing from the environment', async () => {
    const result = await runCli(['config', 'validate', EXAMPLE, '--check-env'], {
      D365_CLIENT_SECRET: 'x',
      CAMPAIGN_CLIENT_SECRET: '',
      CAMPAIGN_SFTP_KEY: '',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('campaign.clientSecretEnv: environment variable CAMPAIGN_CLIENT_SECRET is not set');
    expect(result.stderr).toContain('campaign.sftp.privateKeyEnv: environment variable CAMPAIGN_SFTP_KEY is not set');
  });

  it('with --check-env, checks the payload encryption keys as the worker will', async () => {
    const file = path.join(workDir, 'encrypted.yaml');
    const config = YAML.parse(readFileSync(EXAMPLE, 'utf8')) as { temporal?: Record<string, unknown> };
    config.temporal = {
      ...config.temporal,
      encryption: {
        currentKeyId: 'k2',
        keys: [
          { id: 'k1', keyEnv: 'TEST_CODEC_K1' },
          { id: 'k2', keyEnv: 'TEST_CODEC_K2' },
        ],
      },
    };
    writeFileSync(file, YAML.stringify(config));
    const result = await runCli(['config', 'validate', file, '--check-env'], {
      D365_CLIENT_SECRET: 'x',
      CAMPAIGN_CLIENT_SECRET: 'x',
      CAMPAIGN_SFTP_KEY: 'x',
      TEMPORAL_API_KEY: 'x',
      TEST_CODEC_K1: 'too-short',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TEST_CODEC_K1 must hold a 32-byte key in base64');
    expect(result.stderr).toContain('temporal.encryption.keys[1] (id k2): TEST_CODEC_K2 is not set');
    expect(result.stderr).not.toContain('too-short');
  });

  it('says when the file does not exist', async () => {
    const result = await runCli(['config', 'validate', path.join(workDir, 'nope.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope.yaml: cannot read the configuration file: no such file');
  });
});

describe('acs-d365 config schema', () => {
  it('matches the committed config/acs-d365.schema.json (regenerate with npm run config:schema)', async () => {
    const result = await runCli(['config', 'schema']);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, any>;
    expect(printed).toEqual(
      JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'acs-d365.schema.json'), 'utf8'))
    );
    expect(printed.additionalProperties).toBe(false);
    expect(Object.keys(printed.properties as object)).toEqual(
      expect.arrayContaining(['dynamics', 'campaign', 'temporal', 'ingress', 'egress', 'optOut'])
    );
  });
});

describe('acs-d365 worker', () => {
  it('stops before connecting when a secret is missing, naming the variable', async () => {
    const result = await runCli(['worker', '--config', EXAMPLE], {
      D365_CLIENT_SECRET: 'x',
      CAMPAIGN_CLIENT_SECRET: 'y',
      CAMPAIGN_SFTP_KEY: '',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing secret: CAMPAIGN_SFTP_KEY (named by campaign.sftp.privateKeyEnv)');
  });

  it('refuses an invalid configuration, listing the problems', async () => {
    const file = writeConfig('worker-broken.yaml', (c) => (c.egress.batchSize = 0));
    const result = await runCli(['worker', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('egress.batchSize: must be greater than 0');
  });
});

describe('acs-d365 status', () => {
  it('explains what to do when Temporal cannot be reached', async () => {
    const port = await freePort();
    const result = await runCli(['status'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach Temporal at 127.0.0.1:${port}`);
    expect(result.stderr).toContain('Is the server running (acs-d365 sandbox)?');
  });
});

describe('acs-d365 start', () => {
  it('refuses a flow the configuration does not have, naming the ones it has', async () => {
    const result = await runCli(['start', 'ingress:nope', '--config', EXAMPLE], {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'unknown flow ingress:nope; the configuration has: ingress:contacts, ingress:subscriptions, egress, optout'
    );
  });
});
