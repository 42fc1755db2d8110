import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load';
import { type Config } from '../../src/config/schema';
import { MissingSecretsError, readSecrets } from '../../src/config/secrets';

function exampleConfig(): Config {
  const result = parseConfig(readFileSync(path.join(__dirname, '..', '..', 'config', 'example.yaml'), 'utf8'));
  if (!result.ok) throw new Error('example.yaml must be valid');
  return result.config;
}

describe('secrets from the environment', () => {
  it('reads each secret from the variable the config names', () => {
    const secrets = readSecrets(exampleConfig(), {
      D365_CLIENT_SECRET: 'd365-value',
      CAMPAIGN_CLIENT_SECRET: 'campaign-value',
      CAMPAIGN_SFTP_KEY: 'key-value',
    });
    expect(secrets).toEqual({
      dynamicsClientSecret: 'd365-value',
      campaignClientSecret: 'campaign-value',
      sftpPrivateKey: 'key-value',
    });
  });

  it('reads NAME_FILE when NAME is unset (Docker and Kubernetes secrets)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acs-secrets-'));
    const keyFile = path.join(dir, 'sftp_key');
    writeFileSync(keyFile, '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n');
    const secrets = readSecrets(exampleConfig(), {
      D365_CLIENT_SECRET: 'a',
      CAMPAIGN_CLIENT_SECRET: 'b',
      CAMPAIGN_SFTP_KEY_FILE: keyFile,
    });
    expect(secrets.sftpPrivateKey).toBe('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----');
  });

  it('names every missing variable and where the config names it, and no value', () => {
    const error = catchError(() => readSecrets(exampleConfig(), { D365_CLIENT_SECRET: 'present-value' }));
    expect(error).toBeInstanceOf(MissingSecretsError);
    expect(error.message).toContain('CAMPAIGN_CLIENT_SECRET (named by campaign.clientSecretEnv)');
    expect(error.message).toContain('CAMPAIGN_SFTP_KEY (named by campaign.sftp.privateKeyEnv)');
    expect(error.message).not.toContain('D365_CLIENT_SECRET');
    expect(error.message).not.toContain('present-value');
  });

  it('treats an empty variable as missing', () => {
    const error = catchError(() =>
      readSecrets(exampleConfig(), { D365_CLIENT_SECRET: '', CAMPAIGN_CLIENT_SECRET: 'b', CAMPAIGN_SFTP_KEY: 'c' })
    );
    expect(error.message).toMatch(/^missing secret: D365_CLIENT_SECRET \(named by dynamics\.clientSecretEnv\)/);
  });

  it('says which _FILE could not be read', () => {
    const error = catchError(() =>
      readSecrets(exampleConfig(), {
        D365_CLIENT_SECRET: 'a',
        CAMPAIGN_CLIENT_SECRET: 'b',
        CAMPAIGN_SFTP_KEY_FILE: '/nonexistent/key',
      })
    );
    expect(error.message).toBe('cannot read CAMPAIGN_SFTP_KEY_FILE (/nonexistent/key): ENOENT');
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
