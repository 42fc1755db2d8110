import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWorkerResources, type WorkerResources } from '../../src/activities';
import { createEgressActivities } from '../../src/activities/egress';
import { EgressRejectsReport } from '../../src/activities/egress/rejects-report';
import { createOptOutActivities } from '../../src/activities/optout';
import { OptOutAudit } from '../../src/activities/optout/audit-report';
import { validateConfig } from '../../src/config/load';
import { createLogger } from '../../src/logging/logger';
import { startSshd, type SshdServer } from '../../src/sandbox/sshd';

/**
 * `reports.sftpFolder` publishes every flow's reports through one helper: ingress rejects
 * (`ingress-publish-rejects.test.ts`), egress rejects and opt-out audits (here), each on a real sshd.
 */
describe('publishing egress rejects and opt-out audits to the Campaign SFTP (real sshd)', () => {
  let sftp: SshdServer;
  let dir: string;
  const opened: WorkerResources[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'acs-reports-'));
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
      egress: {},
      optOut: { mode: 'bidirectional', pairs: [{ campaign: 'denyListEmail', dynamics: 'donotbulkemail' }] },
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

  it('egress: uploads a rejects report, as written, as egress_<report>.csv', async () => {
    const worker = resources('exports/reports/');
    const report = new EgressRejectsReport(worker.config.reports.folder, 'egress-pass-4-1a2b3c4d');
    await report.append([
      {
        file: 'events_20260101000000_000001.csv',
        line: 3,
        eventId: 'send-1',
        reason: 'the contact does not exist in D365',
      },
    ]);

    const result = await createEgressActivities(worker).publishEgressRejects({ reportId: 'egress-pass-4-1a2b3c4d' });

    expect(result.remotePath).toBe('exports/reports/egress_egress-pass-4-1a2b3c4d.csv');
    const published = await readFile(
      path.join(sftp.root, 'exports', 'reports', 'egress_egress-pass-4-1a2b3c4d.csv'),
      'utf8'
    );
    expect(published).toBe(await readFile(report.file, 'utf8'));
    expect(published).toBe(
      'file,line,eventId,reason\nevents_20260101000000_000001.csv,3,send-1,the contact does not exist in D365\n'
    );
  });

  it('opt-out: uploads a pass audit, as written, as optout_<report>.csv', async () => {
    const worker = resources('exports/reports');
    const audit = new OptOutAudit(worker.config.reports.folder, 'optout-pass-2-5e6f7a8b');
    await audit.append([
      {
        key: '0b4c1a2e-1111-4222-8333-444455556666',
        attribute: 'denyListEmail',
        old: 'false',
        new: 'true',
        winner: 'd365',
        reason: 'D365 changed',
      },
    ]);

    const result = await createOptOutActivities(worker).publishOptOutAudit({ reportId: 'optout-pass-2-5e6f7a8b' });

    expect(result.remotePath).toBe('exports/reports/optout_optout-pass-2-5e6f7a8b.csv');
    const published = await readFile(
      path.join(sftp.root, 'exports', 'reports', 'optout_optout-pass-2-5e6f7a8b.csv'),
      'utf8'
    );
    expect(published).toBe(await readFile(audit.file, 'utf8'));
    expect(published.split('\n')[0]).toBe('key,attribute,old,new,winner,reason');
  });

  it('publishes nothing without reports.sftpFolder, or when there is no report', async () => {
    expect(
      await createEgressActivities(resources()).publishEgressRejects({ reportId: 'egress-pass-4-1a2b3c4d' })
    ).toEqual({});
    expect(
      await createOptOutActivities(resources()).publishOptOutAudit({ reportId: 'optout-pass-2-5e6f7a8b' })
    ).toEqual({});
    const worker = resources('exports/reports');
    expect(await createEgressActivities(worker).publishEgressRejects({ reportId: 'egress-pass-9-none' })).toEqual({});
    expect(await createOptOutActivities(worker).publishOptOutAudit({ reportId: 'optout-pass-9-none' })).toEqual({});
  });
});
