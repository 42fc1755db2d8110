import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { registerSimulateCampaignCommand } from '../../src/cli/commands/simulate-campaign';
import { createCampaignClient } from '../../src/connectors/campaign';

describe('acs-d365 simulate campaign', () => {
  it('prints one JSON line with URLs, working test credentials and what the config needs; stops on SIGTERM', async () => {
    const sftpRoot = await mkdtemp(path.join(tmpdir(), 'acs-sim-sftp-'));
    const root = new Command('acs-d365').exitOverride();
    registerSimulateCampaignCommand(root.command('simulate'));
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const sigtermListeners = process.listenerCount('SIGTERM');
    try {
      const run = root.parseAsync([
        'node',
        'acs-d365',
        'simulate',
        'campaign',
        '--port',
        '0',
        '--organization',
        'contoso',
        '--seed-profiles',
        '3',
        '--sftp-root',
        sftpRoot,
      ]);
      const deadline = Date.now() + 5000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lines).toHaveLength(1);
      const info = JSON.parse(lines[0] ?? '') as Record<string, string>;
      expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/contoso\/campaign$/);
      expect(info.imsUrl).toBe(`${info.url}/ims/token/v3`);
      // What the configuration needs: the import workflow's id, and campaign.sftp.root under --sftp-root.
      expect(info.importWorkflow).toBe('WKF_IMPORT_PROFILE');
      expect(info.sftpConfigRoot).toBe(path.join(sftpRoot, 'd365_loads'));
      const client = createCampaignClient({
        baseUrl: info.baseUrl,
        imsUrl: info.imsUrl,
        clientId: info.clientId ?? '',
        clientSecret: info.clientSecret ?? '',
      });
      expect(await client.resource({ api: 'profileAndServices', name: 'profile' }).count()).toBe(3);
      process.emit('SIGTERM');
      await run;
      expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners);
      await expect(fetch(info.imsUrl ?? '', { method: 'POST' })).rejects.toThrow();
    } finally {
      write.mockRestore();
      await rm(sftpRoot, { recursive: true, force: true });
    }
  });

  it('refuses a port that is not a number', async () => {
    const root = new Command('acs-d365').exitOverride();
    const simulate = root.command('simulate').exitOverride();
    registerSimulateCampaignCommand(simulate);
    simulate.commands.forEach((command) => command.exitOverride().configureOutput({ writeErr: () => undefined }));
    await expect(root.parseAsync(['node', 'acs-d365', 'simulate', 'campaign', '--port', 'abc'])).rejects.toThrow(
      /whole number/
    );
  });
});
