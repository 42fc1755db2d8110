import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectionOptions, temporalSettings } from '../../src/temporal/connection-settings';

const block = { address: 'temporal.internal:7233', namespace: 'marketing', taskQueue: 'acs-d365-sync' };
const dir = mkdtempSync(path.join(tmpdir(), 'acs-tls-'));
const pem = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const certFile = pem('client.crt', 'CERT');
const keyFile = pem('client.key', 'KEY');
const caFile = pem('ca.crt', 'CA');

describe('Temporal connection settings', () => {
  it('uses the file when the environment says nothing', () => {
    expect(connectionOptions(temporalSettings(block, undefined, {}))).toEqual({ address: 'temporal.internal:7233' });
    expect(temporalSettings(block, undefined, {}).namespace).toBe('marketing');
  });

  it('lets the environment override address, namespace and task queue', () => {
    const settings = temporalSettings(block, undefined, {
      TEMPORAL_ADDRESS: 'ns.a1b2.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.a1b2',
      TEMPORAL_TASK_QUEUE: 'blue',
    });
    expect(settings).toMatchObject({ address: 'ns.a1b2.tmprl.cloud:7233', namespace: 'ns.a1b2', taskQueue: 'blue' });
  });

  it('turns TLS on with an API key (Temporal Cloud), from the config secret or TEMPORAL_API_KEY', () => {
    expect(connectionOptions(temporalSettings(block, 'key-from-secret', {}))).toEqual({
      address: 'temporal.internal:7233',
      apiKey: 'key-from-secret',
      tls: true,
    });
    expect(connectionOptions(temporalSettings(block, undefined, { TEMPORAL_API_KEY: 'key-from-env' })).apiKey).toBe(
      'key-from-env'
    );
  });

  it('reads mTLS files named in the file or in the environment', () => {
    const fromFile = temporalSettings(
      { ...block, tls: { certFile, keyFile, caFile, serverName: 'temporal.internal' } },
      undefined,
      {}
    );
    expect(fromFile.tls).toEqual({
      clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
      serverRootCACertificate: Buffer.from('CA'),
      serverNameOverride: 'temporal.internal',
    });
    const fromEnv = temporalSettings(block, undefined, {
      TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
    });
    expect(fromEnv.tls).toEqual({ clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } });
  });

  it('turns on TLS without a client certificate: an empty tls block, or a private CA', () => {
    expect(connectionOptions(temporalSettings({ ...block, tls: {} }, undefined, {})).tls).toEqual({});
    expect(temporalSettings({ ...block, tls: { caFile } }, undefined, {}).tls).toEqual({
      serverRootCACertificate: Buffer.from('CA'),
    });
    expect(temporalSettings(block, undefined, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: caFile }).tls).toEqual({
      serverRootCACertificate: Buffer.from('CA'),
    });
    expect(temporalSettings(block, undefined, {}).tls).toBeUndefined();
  });

  it('refuses a certificate without its key, and names an unreadable file', () => {
    expect(() => temporalSettings(block, undefined, { TEMPORAL_TLS_CLIENT_CERT_PATH: certFile })).toThrow(
      'mTLS needs both a client certificate and its key'
    );
    expect(() =>
      temporalSettings({ ...block, tls: { certFile, keyFile: '/missing/client.key' } }, undefined, {})
    ).toThrow('cannot read the TLS client key (/missing/client.key): ENOENT');
  });
});

describe('Temporal connection settings from a Temporal CLI profile (TOML, @temporalio/envconfig)', () => {
  const toml = pem(
    'temporal.toml',
    `[profile.default]
address = "profile.internal:7233"
namespace = "from-profile"

[profile.cloud]
address = "ns.a1b2.tmprl.cloud:7233"
namespace = "ns.a1b2"
api_key = "profile-api-key"

[profile.mtls]
address = "mtls.internal:7233"
[profile.mtls.tls]
client_cert_path = "${certFile}"
client_key_path = "${keyFile}"
server_ca_cert_data = "INLINE-CA"
server_name = "mtls.internal"
`
  );
  const fileEnv = { TEMPORAL_CONFIG_FILE: toml };
  const noAddress = { taskQueue: 'acs-d365-sync' };

  it.each<[string, Parameters<typeof temporalSettings>[0], NodeJS.ProcessEnv, Record<string, unknown>]>([
    ['no TOML file: the defaults', noAddress, {}, { address: 'localhost:7233', namespace: 'default' }],
    [
      'the default profile fills what the block leaves out',
      noAddress,
      fileEnv,
      { address: 'profile.internal:7233', namespace: 'from-profile' },
    ],
    [
      'the block wins over the profile',
      { ...noAddress, namespace: 'marketing' },
      fileEnv,
      { address: 'profile.internal:7233', namespace: 'marketing' },
    ],
    [
      'the environment wins over both',
      { ...noAddress, namespace: 'marketing' },
      { ...fileEnv, TEMPORAL_NAMESPACE: 'env-ns' },
      { namespace: 'env-ns' },
    ],
    [
      'TEMPORAL_PROFILE picks a profile',
      noAddress,
      { ...fileEnv, TEMPORAL_PROFILE: 'cloud' },
      { address: 'ns.a1b2.tmprl.cloud:7233', apiKey: 'profile-api-key' },
    ],
    [
      'temporal.profile picks a profile',
      { ...noAddress, profile: 'cloud' },
      fileEnv,
      { namespace: 'ns.a1b2', apiKey: 'profile-api-key' },
    ],
  ])('%s', (_case, block, env, expected) => {
    expect(temporalSettings(block, undefined, env)).toMatchObject(expected);
  });

  it("lets the config's API key win over the profile's, turns TLS on with it, and reads a profile's TLS files and inline data", () => {
    expect(connectionOptions(temporalSettings({ ...noAddress, profile: 'cloud' }, 'secret-key', fileEnv))).toEqual({
      address: 'ns.a1b2.tmprl.cloud:7233',
      apiKey: 'secret-key',
      tls: true,
    });
    expect(temporalSettings({ ...noAddress, profile: 'mtls' }, undefined, fileEnv).tls).toEqual({
      clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
      serverRootCACertificate: Buffer.from('INLINE-CA'),
      serverNameOverride: 'mtls.internal',
    });
  });

  it('refuses a profile the TOML does not have, naming the file', () => {
    expect(() => temporalSettings({ ...noAddress, profile: 'staging' }, undefined, fileEnv)).toThrow(
      `cannot use TEMPORAL_CONFIG_FILE (${toml}): Profile 'staging' not found in config data`
    );
  });
});
