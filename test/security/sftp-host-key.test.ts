import { createWorkerResources } from '../../src/activities';
import { validateConfig } from '../../src/config/load';
import { type ConfigInput } from '../../src/config/schema';
import { createLogger } from '../../src/logging/logger';
import { startSshd, type SshdServer } from '../harness/sshd';

const OTHER_FINGERPRINT = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

/**
 * The connector's refusal of an unknown host key is tested in test/contract/sftp-errors.test.ts; this checks the
 * configuration end of it: `campaign.sftp.hostKeyFingerprints` is required, and is what the worker's SFTP client trusts.
 */
describe('SFTP host-key pinning from the configuration', () => {
  let server: SshdServer;
  beforeAll(async () => {
    server = await startSshd();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const configWith = (hostKeyFingerprints: string[]) =>
    validateConfig({
      dynamics: { url: 'https://contoso.crm.dynamics.com', tenantId: 't', clientId: 'c', clientSecretEnv: 'D365_S' },
      campaign: {
        organization: 'contoso',
        clientId: 'c',
        clientSecretEnv: 'ACS_S',
        sftp: {
          host: server.host,
          port: server.port,
          username: server.username,
          privateKeyEnv: 'SFTP_KEY',
          hostKeyFingerprints,
          root: server.root,
        },
      },
      egress: {},
    } satisfies ConfigInput);

  const workerSftp = (hostKeyFingerprints: string[]) => {
    const result = configWith(hostKeyFingerprints);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const resources = createWorkerResources(
      result.config,
      { dynamicsClientSecret: 's', campaignClientSecret: 's', sftpPrivateKey: server.privateKey },
      createLogger({ level: 'silent', format: 'json' })
    );
    return resources;
  };

  it('refuses a configuration that pins no host key (there is no trust on first use)', () => {
    expect(configWith([])).toEqual({
      ok: false,
      problems: [
        {
          path: 'campaign.sftp.hostKeyFingerprints',
          message: 'must pin at least one host key (ssh-keyscan -p <port> <host> | ssh-keygen -lf -)',
        },
      ],
    });
  });

  it('refuses a server whose key is not pinned, with the key it saw and how to pin it', async () => {
    const resources = workerSftp([OTHER_FINGERPRINT]);
    try {
      const failure = await resources
        .sftp()
        .list('.')
        .then(
          () => undefined,
          (err: Error) => err
        );
      expect(failure?.message).toContain('host key not trusted');
      expect(failure?.message).toContain(`the server presented ssh-ed25519 ${server.hostKeyFingerprint}`);
      expect(failure?.message).toContain(`expected ${OTHER_FINGERPRINT}`);
      expect(failure?.message).not.toContain(server.privateKey.split('\n')[1]!);
    } finally {
      await resources.close();
    }
  });

  it('connects when the pinned key is the server’s (the new key listed next to the old one during a rotation)', async () => {
    const resources = workerSftp([OTHER_FINGERPRINT, server.hostKeyFingerprint]);
    try {
      await expect(resources.sftp().list('.')).resolves.toEqual(expect.any(Array));
    } finally {
      await resources.close();
    }
  });
});
