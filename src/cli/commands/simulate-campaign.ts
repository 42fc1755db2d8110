import { parseCount } from '../option-parsers';
import { runUntilStopped } from '../until-stopped';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Command } from 'commander';
import { createLogger } from '../../logging/logger';
import { startCampaignSimulator } from '../../sandbox/campaign';

interface SimulateCampaignOptions {
  port: number;
  host: string;
  organization: string;
  sftpRoot?: string;
  seedProfiles: number;
  exportEvery?: number;
  signalCooldown: number;
}

/** `acs-d365 simulate campaign`: the Adobe Campaign Standard simulator (REST API + IMS) on its own. */
export function registerSimulateCampaignCommand(simulate: Command): void {
  simulate
    .command('campaign')
    .description(
      'Run the Adobe Campaign Standard simulator: /<ORGANIZATION>/campaign/... and /ims/token/v3 on one port. ' +
        'Prints one JSON line with its URLs and test credentials when ready; stops on Ctrl-C (SIGINT) or SIGTERM.'
    )
    .option('--port <n>', 'port on the host (0 = any free port)', parseCount, 9002)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--organization <org>', 'the <ORGANIZATION> of the API paths', 'acme')
    .option('--sftp-root <dir>', 'folder served by the Campaign SFTP server (imports, rejects, export files)')
    .option('--seed-profiles <n>', 'profiles to create at start-up', parseCount, 0)
    .option(
      '--export-every <seconds>',
      'generate events and opt-out changes and write export files this often',
      parseCount
    )
    .option('--signal-cooldown <seconds>', 'minimum time between two triggers of one signal', parseCount, 600)
    .addHelpText(
      'after',
      `
Examples:
  $ acs-d365 simulate campaign --port 9002 --sftp-root ./.sandbox/sftp
  $ acs-d365 simulate campaign --port 0 --organization contoso-mkt-stage --seed-profiles 100 --export-every 60`
    )
    .action(async (options: SimulateCampaignOptions) => {
      const sftpRoot = options.sftpRoot === undefined ? undefined : resolve(options.sftpRoot);
      if (sftpRoot) await mkdir(sftpRoot, { recursive: true });
      const simulator = await startCampaignSimulator({
        port: options.port,
        host: options.host,
        organization: options.organization,
        sftpRoot,
        signalCooldownMs: options.signalCooldown * 1000,
        exports: options.exportEvery === undefined ? undefined : { intervalMs: options.exportEvery * 1000 },
        logger: createLogger({ bindings: { component: 'campaign-simulator' } }),
      });
      simulator.seedProfiles(options.seedProfiles);
      process.stdout.write(
        JSON.stringify({
          simulator: 'campaign',
          url: simulator.url,
          baseUrl: simulator.baseUrl,
          imsUrl: simulator.imsUrl,
          organization: simulator.organization,
          clientId: simulator.clientId,
          clientSecret: simulator.clientSecret,
          apiKey: simulator.apiKey,
          sftpRoot: simulator.sftpRoot ?? null,
        }) + '\n'
      );
      await runUntilStopped(() => simulator.close());
    });
}
