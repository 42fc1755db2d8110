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
