import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, isPortFree } from '../../src/sandbox/ports';
import { assertBuildIsFresh, collect, runCli, startCli, waitForOutput } from '../harness/cli';

beforeAll(() => assertBuildIsFresh());

describe("acs-d365 sandbox (the README's first command)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'acs-sandbox-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts Temporal with its UI, the SFTP storage, the simulators and the worker, prints where to look, and stops cleanly on Ctrl-C', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    let sftpPort = 0;
    let campaignPort = 0;
    const sandbox = startCli(['sandbox', '--port', String(port), '--ui-port', String(uiPort), '--data-dir', dataDir]);
    const exited = collect(sandbox);
    try {
      const banner = await waitForOutput(sandbox, /Press Ctrl-C to stop\./, 90_000);
      expect(banner).toContain(`Temporal Web UI:   http://127.0.0.1:${uiPort}`);
      expect(banner).toContain(`Temporal address:  127.0.0.1:${port}`);
      expect(banner).toContain('Flows running:     ingress:contacts');
      const sftp = /SFTP storage: +127\.0\.0\.1:(\d+) \((.+)\)/.exec(banner);
      expect(sftp?.[2]).toBe(path.join(dataDir, 'campaign-storage'));
      sftpPort = Number(sftp?.[1]);
      expect(await isPortFree(sftpPort)).toBe(false);
      expect(banner).toMatch(/Dynamics 365 API: +https:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\//);
      const campaignApi = /Campaign API: +(http:\/\/127\.0\.0\.1:(\d+)\/sandbox-org\/campaign)/.exec(banner);
      campaignPort = Number(campaignApi?.[2]);
      const unauthenticated = await fetch(`${campaignApi?.[1]}/profileAndServices/profile`);
      expect(unauthenticated.status).toBe(403); // no X-Api-Key: refused as Campaign does

      const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('<html');

      const status = await runCli(['status', '--json'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
      expect(status.code).toBe(0);
      const report = JSON.parse(status.stdout) as {
        workers: unknown[];
        temporal: { taskQueue: string };
        flows: { workflowId: string }[];
      };
      expect(report.temporal.taskQueue).toBe('acs-d365-sync');
      expect(report.workers.length).toBeGreaterThanOrEqual(1);
      expect(report.flows.map((flow) => flow.workflowId)).toEqual([
        'egress',
        'ingress:contacts',
        'ingress:loyalty-programs',
        'ingress:memberships',
        'optout',
      ]);

      // The sample commands it prints work as printed, with the configuration file it wrote.
      const configFile = path.join(dataDir, 'acs-d365.yaml');
      expect(banner).toContain(`node bin/acs-d365.js status --watch --config ${configFile}`);
      const transfer = await waitForOutput(sandbox, /ingress:contacts: initial transfer done/, 90_000);
      expect(transfer).toMatch(
        /ingress:contacts initial transfer \[[#-]{24}\] +\d+% [\d,]+ \/ 12,\d{3} rows · chunk \d+\/\d+/
      );
      const runs = await runCli(['runs', 'ingress:contacts', '--config', configFile]);
      expect(runs.stdout).toMatch(/ingress:contacts:initial:1 +COMPLETED +succeeded .* read 12,?\d{3}/);
      // The linked custom table follows its parents (contacts and loyalty programs), links resolved.
      await waitForOutput(sandbox, /ingress:memberships: initial transfer done/, 90_000);
      const memberships = await runCli(['runs', 'ingress:memberships', '--config', configFile]);
      expect(memberships.stdout).toMatch(
        /ingress:memberships:initial:1 +COMPLETED +succeeded .* read 2\d\d, created [1-9]/
      );
    } finally {
      sandbox.kill('SIGINT');
    }
    const result = await exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Stopping the worker (running activities get up to 30s)');
    expect(result.stdout).toContain('Sandbox stopped.');
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(uiPort)).toBe(true);
    expect(await isPortFree(sftpPort)).toBe(true);
    expect(await isPortFree(campaignPort)).toBe(true);
    // The linked memberships follow the contacts' transfer by file: more than the default minute.
  }, 180_000);

  it('refuses a port that is taken, saying which option to change', async () => {
    const busy = await new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    const port = (busy.address() as AddressInfo).port;
    try {
      const result = await runCli(['sandbox', '--port', String(port), '--data-dir', dataDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${port} is already in use`);
      expect(result.stderr).toContain('pass --port <free port>');
    } finally {
      busy.close();
    }
  });
});
