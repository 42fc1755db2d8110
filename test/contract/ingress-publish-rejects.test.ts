import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWorkerResources, type WorkerResources } from '../../src/activities';
import { publishRejectsReportActivity } from '../../src/activities/ingress/publish-rejects';
import { RejectsReport } from '../../src/activities/ingress/rejects-report';
import { validateConfig } from '../../src/config/load';
import { createLogger } from '../../src/logging/logger';
import { startSshd, type SshdServer } from '../../src/sandbox/sshd';

describe('publishing a rejects report to the Campaign SFTP (real sshd)', () => {
  let sftp: SshdServer;
  let dir: string;
  const opened: WorkerResources[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'acs-rejects-'));
    sftp = await startSshd({ root: path.join(dir, 'storage') });
  });
  afterAll(async () => {
    for (const resources of opened) await resources.close();
    await sftp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function resources(sftpFolder?: string): WorkerResources {
    const result = validateConfig({
      dynamics: { url: 'https://d365.invalid', tenantId: 't', clientId: 'c', clientSecretEnv: 'S' },
      campaign: {
        organization: 'o',
        clientId: 'c',
        clientSecretEnv: 'S',
        sftp: {
          host: sftp.host,
          port: sftp.port,
          username: sftp.username,
          privateKeyEnv: 'K',
          hostKeyFingerprints: [sftp.hostKeyFingerprint],
          root: sftp.root,
        },
      },
      ingress: [
        {
          name: 'contacts',
          from: 'contact',
          to: 'profile',
          key: { from: 'contactid', to: 'externalId' },
          fields: [{ from: 'firstname', to: 'firstName' }],
        },
      ],
      reports: { folder: path.join(dir, 'reports'), ...(sftpFolder ? { sftpFolder } : {}) },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const created = createWorkerResources(
      result.config,
      { dynamicsClientSecret: 'x', campaignClientSecret: 'y', sftpPrivateKey: sftp.privateKey },
      createLogger({ level: 'silent', format: 'json' })
    );
    opened.push(created);
    return created;
  }

  it('uploads the report, as written, under reports.sftpFolder', async () => {
    const worker = resources('exports/rejects');
    const report = new RejectsReport(worker.config.reports.folder, 'contacts', 'contacts-pass-7');
    await report.append([
      { key: 'k-1', field: 'email', valueKind: 'string', reason: 'email: not a valid email address' },
    ]);

    const result = await publishRejectsReportActivity(worker)({ mapping: 'contacts', reportId: 'contacts-pass-7' });

    expect(result.remotePath).toBe('exports/rejects/ingress_contacts_contacts-pass-7.csv');
    const published = await readFile(
      path.join(sftp.root, 'exports', 'rejects', 'ingress_contacts_contacts-pass-7.csv'),
      'utf8'
    );
    expect(published).toBe(await readFile(report.file, 'utf8'));
    expect(published).toBe('key,field,valueKind,reason\nk-1,email,string,email: not a valid email address\n');
  });

  it('publishes nothing without reports.sftpFolder, or when the pass rejected nothing', async () => {
    expect(
      await publishRejectsReportActivity(resources())({ mapping: 'contacts', reportId: 'contacts-pass-7' })
    ).toEqual({});
    expect(
      await publishRejectsReportActivity(resources('exports/rejects'))({ mapping: 'contacts', reportId: 'none-1' })
    ).toEqual({});
  });
});
