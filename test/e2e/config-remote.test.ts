import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { freePort } from '../../src/sandbox/ports';
import { assertBuildIsFresh, runCli } from '../harness/cli';
import { startFlowStack, type FlowStack } from '../harness/flow-stack';
import { contactsToProfiles } from '../harness/mappings';

/** `config validate --remote`: the configuration checked against the live systems' metadata (the simulators here). */
describe('acs-d365 config validate --remote', () => {
  let stack: FlowStack;

  beforeAll(async () => {
    assertBuildIsFresh();
    stack = await startFlowStack({
      flows: {
        ingress: [contactsToProfiles('remote-contacts')],
        optOut: { mode: 'bidirectional', pairs: [{ campaign: 'denyListEmail', dynamics: 'donotbulkemail' }] },
        egress: {},
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function variant(name: string, change: (config: Record<string, any>) => void): Promise<string> {
    const config = YAML.parse(await readFile(stack.configFile, 'utf8')) as Record<string, any>;
    change(config);
    const file = path.join(stack.dir, name);
    await writeFile(file, YAML.stringify(config));
    return file;
  }

  it('accepts a configuration that matches both systems', async () => {
    const result = await runCli(['config', 'validate', stack.configFile, '--remote'], stack.secretEnv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('names each column or field that does not match, with its path', async () => {
    const file = await variant('mismatched.yaml', (c) => {
      c.ingress[0].fields[1].from = 'nickname';
      c.optOut.pairs[0].dynamics = 'firstname';
    });
    const result = await runCli(['config', 'validate', file, '--remote'], stack.secretEnv);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ingress[0].fields[1].from: D365 table contact has no column nickname');
    expect(result.stderr).toMatch(/optOut\.pairs\[0\]\.dynamics: .*firstname.*Boolean/);
  });

  it('checks egress against D365: the activity tables, their event id key and the owner', async () => {
    const file = await variant('egress.yaml', (c) => {
      c.egress.ownerId = '44444444-5555-4666-8777-888888888888';
    });
    stack.dynamics.db.dropTable('acs_emailclick');
    stack.dynamics.db.setKeyIndexStatus('acs_emailsend', ['acs_eventid'], 'Pending');
    try {
      const result = await runCli(['config', 'validate', file, '--remote'], stack.secretEnv);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'egress.events.click: D365 has no table acs_emailclick: create the activity table as docs/d365-solution.md describes, or set egress.events.click: false'
      );
      expect(result.stderr).toContain(
        'egress.events.send: the alternate key acs_emailsend_acs_eventid_key of acs_emailsend is Pending, not Active'
      );
      expect(result.stderr).toContain(
        'egress.ownerId: D365 has no user with the systemuserid 44444444-5555-4666-8777-888888888888'
      );
    } finally {
      stack.dynamics.db.restoreTable('acs_emailclick');
      stack.dynamics.db.setKeyIndexStatus('acs_emailsend', ['acs_eventid'], 'Active');
    }
  });

  it('fails, saying why, when D365 cannot be reached', async () => {
    const port = await freePort();
    const file = await variant('unreachable.yaml', (c) => {
      c.dynamics.url = `https://127.0.0.1:${port}`;
      c.dynamics.authorityHost = `https://127.0.0.1:${port}`;
    });
    const result = await runCli(['config', 'validate', file, '--remote'], stack.secretEnv);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('remote: D365 and Campaign could not be checked:');
  });

  it('fails, saying why, when D365 refuses the credentials', async () => {
    const result = await runCli(['config', 'validate', stack.configFile, '--remote'], {
      ...stack.secretEnv,
      TEST_D365_SECRET: 'not-the-secret',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/remote: D365 and Campaign could not be checked: .*token request for app/);
    expect(result.stderr).not.toContain('not-the-secret');
  });

  it('asks for the secrets first', async () => {
    const result = await runCli(['config', 'validate', stack.configFile, '--remote'], { TEST_D365_SECRET: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('dynamics.clientSecretEnv: environment variable TEST_D365_SECRET is not set');
  });
});
