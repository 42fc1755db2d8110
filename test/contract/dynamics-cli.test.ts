import { Command } from 'commander';
import { registerSimulateDynamicsCommand } from '../../src/cli/commands/simulate-dynamics';
import { DynamicsClient } from '../../src/connectors/dynamics';
import { createLogger } from '../../src/logging/logger';

describe('acs-d365 simulate dynamics', () => {
  it('prints one JSON line with URLs and working test credentials, and stops on SIGTERM', async () => {
    const root = new Command('acs-d365').exitOverride();
    registerSimulateDynamicsCommand(root.command('simulate'));
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const sigtermListeners = process.listenerCount('SIGTERM');
    let client: DynamicsClient | undefined;
    try {
      const run = root.parseAsync([
        'node',
        'acs-d365',
        'simulate',
        'dynamics',
        '--port',
        '0',
        '--tls',
        '--seed-contacts',
        '5',
      ]);
      const deadline = Date.now() + 10_000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lines).toHaveLength(1);
      const info = JSON.parse(lines[0] ?? '') as Record<string, string>;
      expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(info.apiUrl).toBe(`${info.url}/api/data/v9.2/`);
      expect(info.tokenUrl).toBe(`${info.url}/${info.tenantId}/oauth2/v2.0/token`);
      expect(info.caCertificate).toContain('BEGIN CERTIFICATE');
      client = new DynamicsClient({
        url: info.url ?? '',
        credentials: {
          tenantId: info.tenantId ?? '',
          clientId: info.clientId ?? '',
          clientSecret: info.clientSecret ?? '',
          authority: info.authority,
        },
        caCertificates: info.caCertificate,
        limits: { maxTransientRetries: 0 },
        logger: createLogger({ level: 'silent', format: 'json' }),
      });
      expect(await client.count('contacts')).toBe(5);
      process.emit('SIGTERM');
      await run;
      expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners);
      await expect(client.count('contacts')).rejects.toThrow(/network error (ECONNREFUSED|ECONNRESET)/);
      client.close();
      await expect(client.count('contacts')).rejects.toThrow(/the Dynamics client is closed/);
    } finally {
      client?.close();
      write.mockRestore();
    }
  });

  it('refuses a seed count that is not a number', async () => {
    const root = new Command('acs-d365').exitOverride();
    const simulate = root.command('simulate').exitOverride();
    registerSimulateDynamicsCommand(simulate);
    simulate.commands.forEach((command) => command.exitOverride().configureOutput({ writeErr: () => undefined }));
    await expect(
      root.parseAsync(['node', 'acs-d365', 'simulate', 'dynamics', '--seed-contacts', 'many'])
    ).rejects.toThrow(/whole number/);
  });
  it('takes the cost model and the service protection limits as options', async () => {
    const root = new Command('acs-d365').exitOverride();
    registerSimulateDynamicsCommand(root.command('simulate'));
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const run = root.parseAsync(
        ['simulate', 'dynamics', '--port', '0', '--cost', 'production', '--dop-hint', '7', '--max-requests', '2'],
        { from: 'user' }
      );
      const deadline = Date.now() + 10_000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const info = JSON.parse(lines[0] ?? '') as Record<string, string>;
      const form = {
        grant_type: 'client_credentials',
        client_id: info.clientId ?? '',
        client_secret: info.clientSecret ?? '',
      };
      const tokenAnswer = await fetch(info.tokenUrl ?? '', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form, scope: `${info.url}/.default` }).toString(),
      });
      const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
      const whoAmI = () => fetch(`${info.apiUrl}WhoAmI`, { headers: { Authorization: `Bearer ${token}` } });
      const answers = [await whoAmI(), await whoAmI(), await whoAmI()];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
      expect(answers[0]?.headers.get('x-ms-dop-hint')).toBe('7');
      process.emit('SIGTERM');
      await run;
    } finally {
      write.mockRestore();
    }
  });
});
