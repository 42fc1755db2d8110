import { parseCostPreset, parseCount, parseNonNegative } from '../option-parsers';
import { runUntilStopped } from '../until-stopped';
import { type Command } from 'commander';
import {
  NO_DYNAMICS_COST,
  PRODUCTION_LIKE_DYNAMICS_COST,
  startChangeGenerator,
  startDynamicsSimulator,
  type DynamicsCostOptions,
  type ServiceProtectionLimits,
} from '../../sandbox/dynamics';

interface SimulateDynamicsOptions {
  port: number;
  host: string;
  tls?: boolean;
  seedContacts: number;
  changeRate: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetime: number;
  cost: 'none' | 'production';
  latencyMs?: number;
  requestMs?: number;
  rowReadMs?: number;
  writeMs?: number;
  dopHint?: number;
  maxRequests?: number;
  maxExecutionMs?: number;
  maxConcurrent?: number;
  windowSeconds?: number;
}

/** `acs-d365 simulate dynamics`: the Dataverse Web API simulator (with its Entra token endpoint) on its own. */
export function registerSimulateDynamicsCommand(simulate: Command): void {
  simulate
    .command('dynamics')
    .description(
      'Run the Dynamics 365 (Dataverse Web API) simulator: /api/data/v9.2/... and /<tenant>/oauth2/v2.0/token on ' +
        'one port. Prints one JSON line with its URLs and test credentials when ready; stops on Ctrl-C (SIGINT) or SIGTERM.'
    )
    .option('--port <n>', 'port on the host (0 = any free port)', parseCount, 9001)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--tls', 'serve HTTPS with a certificate generated at start (MSAL accepts only https authorities)')
    .option('--seed-contacts <n>', 'contacts generated at start-up (1,000,000 take about a megabyte)', parseCount, 0)
    .option('--change-rate <n>', 'contact creates/updates/deletes/deactivations applied per second', parseCount, 0)
    .option('--tenant-id <id>', 'tenant of the token endpoint (default: random)')
    .option('--client-id <id>', 'client id of the test app registration (default: random)')
    .option('--client-secret <secret>', 'secret of the test app registration (default: random)')
    .option('--token-lifetime <seconds>', 'lifetime of issued access tokens', parseCount, 3599)
    .option(
      '--cost <preset>',
      'cost model: none (answers at once) or production (latency, server time)',
      parseCostPreset,
      'none'
    )
    .option('--latency-ms <ms>', 'network latency added to every answer (overrides the preset)', parseNonNegative)
    .option('--request-ms <ms>', 'server time of any request', parseNonNegative)
    .option('--row-read-ms <ms>', 'server time per row a read returns', parseNonNegative)
    .option('--write-ms <ms>', 'server time per operation written (each one inside a $batch too)', parseNonNegative)
    .option('--dop-hint <n>', 'the x-ms-dop-hint header (recommended parallelism)', parseCount)
    .option('--max-requests <n>', 'service protection: requests per window (default 6000)', parseCount)
    .option('--max-execution-ms <ms>', 'service protection: server time per window (default 1200000)', parseCount)
    .option('--max-concurrent <n>', 'service protection: requests in flight (default 52)', parseCount)
    .option('--window-seconds <s>', 'service protection: the sliding window (default 300)', parseCount)
    .addHelpText(
      'after',
      `
Cost model (docs/cost-model.md): --cost production adds latency and server time per row and per write, as
Dataverse costs; the service protection limits (6,000 requests, 1,200 s of server time, 52 in flight per 300 s per
user) always apply. Scale --max-requests, --max-execution-ms and --window-seconds together to keep runs short.

The JSON line holds url (the organization URL for the client), apiUrl, authority, tokenUrl, tenantId, clientId,
clientSecret and, with --tls, caCertificate (PEM) for the client to trust.

Examples:
  $ acs-d365 simulate dynamics --port 9001 --seed-contacts 1000
  $ acs-d365 simulate dynamics --port 0 --tls --seed-contacts 1000000 --change-rate 5
  $ acs-d365 simulate dynamics --tls --cost production --max-requests 600 --max-execution-ms 120000 --window-seconds 30`
    )
    .action(async (options: SimulateDynamicsOptions) => {
      const simulator = await startDynamicsSimulator({
        port: options.port,
        host: options.host,
        tls: options.tls ?? false,
        seedContacts: options.seedContacts,
        tenantId: options.tenantId,
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        tokenLifetimeSeconds: options.tokenLifetime,
        cost: dynamicsCost(options),
        limits: serviceProtection(options),
      });
      const changes = startChangeGenerator(simulator.db, { changesPerSecond: options.changeRate });
      process.stdout.write(
        JSON.stringify({
          simulator: 'dynamics',
          url: simulator.url,
          apiUrl: simulator.apiUrl,
          authority: simulator.authority,
          tokenUrl: simulator.tokenUrl,
          tenantId: simulator.tenantId,
          clientId: simulator.clientId,
          clientSecret: simulator.clientSecret,
          caCertificate: simulator.caCertificate ?? null,
        }) + '\n'
      );
      await runUntilStopped(() => {
        changes.stop();
        return simulator.close();
      });
    });
}

function dynamicsCost(options: SimulateDynamicsOptions): DynamicsCostOptions {
  const preset = options.cost === 'production' ? PRODUCTION_LIKE_DYNAMICS_COST : NO_DYNAMICS_COST;
  return {
    latencyMs: options.latencyMs ?? preset.latencyMs,
    requestMs: options.requestMs ?? preset.requestMs,
    rowReadMs: options.rowReadMs ?? preset.rowReadMs,
    writeMs: options.writeMs ?? preset.writeMs,
    dopHint: options.dopHint ?? preset.dopHint,
  };
}

function serviceProtection(options: SimulateDynamicsOptions): ServiceProtectionLimits {
  return {
    ...(options.maxRequests !== undefined ? { requests: options.maxRequests } : {}),
    ...(options.maxExecutionMs !== undefined ? { executionTimeMs: options.maxExecutionMs } : {}),
    ...(options.maxConcurrent !== undefined ? { concurrent: options.maxConcurrent } : {}),
    ...(options.windowSeconds !== undefined ? { windowSeconds: options.windowSeconds } : {}),
  };
}
