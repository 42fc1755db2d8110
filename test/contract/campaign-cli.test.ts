import { Command } from 'commander';
import { registerSimulateCampaignCommand } from '../../src/cli/commands/simulate-campaign';
import { createCampaignClient } from '../../src/connectors/campaign';

describe('acs-d365 simulate campaign', () => {
  it('prints one JSON line with URLs and working test credentials, and stops on SIGTERM', async () => {
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
      ]);
      const deadline = Date.now() + 5000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lines).toHaveLength(1);
      const info = JSON.parse(lines[0] ?? '') as Record<string, string>;
      expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/contoso\/campaign$/);
      expect(info.imsUrl).toBe(`${info.url}/ims/token/v3`);
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
