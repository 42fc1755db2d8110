import { parseCostPreset, parseCount, parseNonNegative } from '../option-parsers';
import { runUntilStopped } from '../until-stopped';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Command } from 'commander';
import { createLogger } from '../../logging/logger';
import {
  PRODUCTION_LIKE_CAMPAIGN_COST,
  startCampaignSimulator,
  type CampaignCostOptions,
} from '../../sandbox/campaign';
import { defaultImportWorkflow } from '../../sandbox/campaign/workflow-engine';

/** The folder under --sftp-root where the simulator's import workflow and export feeds work: `campaign.sftp.root`. */
const CAMPAIGN_SFTP_HOME = 'd365_loads';

interface SimulateCampaignOptions {
  port: number;
  host: string;
  organization: string;
  sftpRoot?: string;
  seedProfiles: number;
  exportEvery?: number;
  signalCooldown: number;
  cost: 'none' | 'production';
  latencyMs?: number;
  importMsPerRecord?: number;
  gatewayRequests?: number;
  gatewayWindowSeconds: number;
}

/** `acs-d365 simulate campaign`: the Adobe Campaign Standard simulator (REST API + IMS) on its own. */
export function registerSimulateCampaignCommand(simulate: Command): void {
  simulate
    .command('campaign')
    .description(
      'Run the Adobe Campaign Standard simulator: /<ORGANIZATION>/campaign/... and /ims/token/v3 on one port. ' +
        'Prints one JSON line with its URLs, test credentials, the import workflow id (initialTransfer.importWorkflow) ' +
        'and the SFTP folder to configure as campaign.sftp.root when ready; stops on Ctrl-C (SIGINT) or SIGTERM.'
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
    .option(
      '--cost <preset>',
      'cost model: none (answers at once) or production (latency, import time)',
      parseCostPreset,
      'none'
    )
    .option('--latency-ms <ms>', 'latency added to every API call (overrides the preset)', parseNonNegative)
    .option('--import-ms-per-record <ms>', 'import workflow time per record (overrides the preset)', parseNonNegative)
    .option(
      '--gateway-requests <n>',
      'gateway throttle: API calls per window, then 429 with Retry-After (default: none)',
      parseCount
    )
    .option('--gateway-window-seconds <s>', 'gateway throttle: the sliding window', parseCount, 60)
    .addHelpText(
      'after',
      `
Examples:
  $ acs-d365 simulate campaign --port 9002 --sftp-root ./.sandbox/sftp
  $ acs-d365 simulate campaign --port 0 --organization contoso-mkt-stage --seed-profiles 100 --export-every 60
  $ acs-d365 simulate campaign --sftp-root ./sftp --cost production --gateway-requests 600 --gateway-window-seconds 60

In the configuration: campaign.sftp.root is <--sftp-root>/d365_loads (printed as sftpConfigRoot: imports, rejects
and export files live there), and the import workflow of initialTransfer.importWorkflow is printed as importWorkflow.

Cost model (docs/cost-model.md): --cost production adds latency to every API call and time per imported record.
Campaign Standard documents no throttle; --gateway-requests adds one (429 with Retry-After), as an API gateway may.`
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
        cost: campaignCost(options),
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
          sftpConfigRoot: simulator.sftpRoot ? join(simulator.sftpRoot, CAMPAIGN_SFTP_HOME) : null,
          importWorkflow: defaultImportWorkflow().id,
        }) + '\n'
      );
      await runUntilStopped(() => simulator.close());
    });
}

function campaignCost(options: SimulateCampaignOptions): CampaignCostOptions {
  const preset = options.cost === 'production' ? PRODUCTION_LIKE_CAMPAIGN_COST : {};
  return {
    latencyMs: options.latencyMs ?? preset.latencyMs ?? 0,
    importMsPerRecord: options.importMsPerRecord ?? preset.importMsPerRecord ?? 0,
    ...(options.gatewayRequests !== undefined
      ? { gateway: { requests: options.gatewayRequests, windowSeconds: options.gatewayWindowSeconds } }
      : {}),
  };
}
