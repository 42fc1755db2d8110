import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import YAML from 'yaml';
import { EncryptionCodec, loadKeyring } from '../../src/temporal/codec';
import { payloadsToJson } from '../../src/temporal/codec/payload-json';
import { assertBuildIsFresh, runCli, startCli, waitForOutput } from '../harness/cli';

const UI_ORIGIN = 'http://localhost:8233';
const token = randomBytes(18).toString('hex');
const keyEnv = { CODEC_KEY_A: randomBytes(32).toString('base64'), CODEC_KEY_B: randomBytes(32).toString('base64') };
const encryption = {
  currentKeyId: 'b',
  keys: [
    { id: 'b', keyEnv: 'CODEC_KEY_B' },
    { id: 'a', keyEnv: 'CODEC_KEY_A' },
  ],
};
const baseConfig = {
  dynamics: { url: 'https://contoso.crm.dynamics.com', tenantId: 't', clientId: 'c', clientSecretEnv: 'D365_SECRET' },
  campaign: {
    organization: 'contoso',
    clientId: 'c',
    clientSecretEnv: 'ACS_SECRET',
    sftp: {
      host: 'sftp.example',
      username: 'u',
      privateKeyEnv: 'SFTP_KEY',
      hostKeyFingerprints: [`SHA256:${'A'.repeat(43)}`],
    },
  },
  egress: {},
};

interface PayloadsBody {
  payloads: { metadata: Record<string, string>; data: string }[];
}

/** `acs-d365 codec-server`, spawned as an operator runs it, spoken to as the Temporal Web UI does. */
describe('acs-d365 codec-server', () => {
  let dir: string;
  let configFile: string;
  let server: ChildProcessWithoutNullStreams;
  let url: string;

  beforeAll(async () => {
    assertBuildIsFresh();
    dir = await mkdtemp(path.join(tmpdir(), 'acs-codec-server-'));
    configFile = path.join(dir, 'acs-d365.yaml');
    await writeFile(configFile, YAML.stringify({ ...baseConfig, temporal: { encryption } }));
    server = startCli(
      ['codec-server', '-c', configFile, '--port', '0', '--cors-origin', UI_ORIGIN, '--auth-env', 'CODEC_TOKEN'],
      { ...keyEnv, CODEC_TOKEN: token }
    );
    const printed = await waitForOutput(server, /listening on (http:\/\/\S+)/);
    url = /listening on (http:\/\/\S+)/.exec(printed)![1]!;
  });
  afterAll(async () => {
    server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  const post = (operation: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/${operation}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
      body,
    });

  it('encodes with the current key and decodes what it encoded, as the UI asks', async () => {
    const plain = payloadsToJson([defaultPayloadConverter.toPayload({ email: 'jane@example.com' })]);
    const encoded = await post('encode', plain, { 'X-Namespace': 'default' });
    expect(encoded.status).toBe(200);
    const sealed = (await encoded.json()) as PayloadsBody;
    expect(Buffer.from(sealed.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed.payloads[0]!.metadata['encryption-key-id']!, 'base64').toString()).toBe('b');
    expect(Buffer.from(sealed.payloads[0]!.data, 'base64').toString('latin1')).not.toContain('jane@example.com');

    const decoded = await post('decode', JSON.stringify(sealed));
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toEqual(JSON.parse(plain));
  });

  it('decodes what a worker encrypted with a retired key, and says which key id it lacks', async () => {
    const oldWorker = new EncryptionCodec(
      loadKeyring({ currentKeyId: 'a', keys: [{ id: 'a', keyEnv: 'CODEC_KEY_A' }] }, keyEnv)
    );
    const fromOldWorker = await oldWorker.encode([defaultPayloadConverter.toPayload('cursor-p3')]);
    const decoded = (await (await post('decode', payloadsToJson(fromOldWorker))).json()) as PayloadsBody;
    expect(Buffer.from(decoded.payloads[0]!.data, 'base64').toString()).toBe('"cursor-p3"');

    const unknown = await post(
      'decode',
      JSON.stringify({
        payloads: [
          {
            metadata: {
              encoding: Buffer.from('binary/encrypted').toString('base64'),
              'encryption-key-id': Buffer.from('zz').toString('base64'),
            },
            data: randomBytes(40).toString('base64'),
          },
        ],
      })
    );
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: string }).error).toContain('key id "zz"');
  });

  it('answers the browser preflight for the UI origin only', async () => {
    const preflight = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: UI_ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toBe(
      'authorization, content-type, x-namespace'
    );
    const stranger = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();

    const fromUi = await post('decode', '{"payloads":[]}', { Origin: UI_ORIGIN });
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(await fromUi.json()).toEqual({ payloads: [] });
  });

  it('refuses a request without the token, a malformed body and other paths', async () => {
    expect((await post('decode', '{"payloads":[]}', { Authorization: 'Bearer wrong' })).status).toBe(401);
    const bad = await post('decode', '{"payload":1}');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'the body must be { "payloads": [ ... ] }' });
    expect((await fetch(`${url}/decode`)).status).toBe(404);
  });

  it('refuses to start without temporal.encryption or with a missing key, naming what to fix', async () => {
    const plainFile = path.join(dir, 'plain.yaml');
    await writeFile(plainFile, YAML.stringify(baseConfig));
    const none = await runCli(['codec-server', '-c', plainFile, '--port', '0']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('the configuration has no temporal.encryption section');

    const missing = await runCli(['codec-server', '-c', configFile, '--port', '0'], {
      CODEC_KEY_A: keyEnv.CODEC_KEY_A,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('temporal.encryption.keys[0] (id b): CODEC_KEY_B is not set');
    expect(missing.stderr).not.toContain(keyEnv.CODEC_KEY_A);
  });

  it('explains itself in --help, with the dev server flag', async () => {
    const help = await runCli(['codec-server', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8888');
    expect(help.stdout).toContain('--cors-origin');
  });
});
