import { parseCount } from '../option-parsers';
import { runUntilStopped } from '../until-stopped';
import { type Command } from 'commander';
import { startChangeGenerator, startDynamicsSimulator } from '../../sandbox/dynamics';

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
    .addHelpText(
      'after',
      `
The JSON line holds url (the organization URL for the client), apiUrl, authority, tokenUrl, tenantId, clientId,
clientSecret and, with --tls, caCertificate (PEM) for the client to trust.

Examples:
  $ acs-d365 simulate dynamics --port 9001 --seed-contacts 1000
  $ acs-d365 simulate dynamics --port 0 --tls --seed-contacts 1000000 --change-rate 5`
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
