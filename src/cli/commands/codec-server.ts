import { type Command } from 'commander';
import { EncryptionCodec, loadKeyring, startCodecServer } from '../../temporal/codec';
import { readEnvSecret } from '../../temporal/connection-settings';
import { configPathFrom, loadConfigOrExit } from '../config-file';
import { CliError } from '../errors';
import { parseCount } from '../option-parsers';
import { print } from '../output';
import { runUntilStopped } from '../until-stopped';

interface CodecServerCommandOptions {
  config?: string;
  host: string;
  port: number;
  corsOrigin: string[];
  authEnv?: string;
}

export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description(
      'Serve the payload encryption keys of temporal.encryption as a Temporal codec endpoint, so that the Web UI and ' +
        'the temporal CLI show workflow inputs, results and memos in clear text.'
    )
    .option('-c, --config <file>', 'configuration file with temporal.encryption (default: $ACS_D365_CONFIG)')
    .option('--host <address>', 'address to listen on (keep it private: whoever reaches it can decrypt)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', parseCount, 8888)
    .option(
      '--cors-origin <origin...>',
      'browser origins allowed to call it: the Temporal Web UI address, e.g. http://localhost:8233',
      []
    )
    .option(
      '--auth-env <NAME>',
      'require "Authorization: Bearer <value of $NAME>" on every request (NAME_FILE: a file holding it)'
    )
    .addHelpText(
      'after',
      `
Keys come from the environment variables named by temporal.encryption.keys, as for the worker. Stops on Ctrl-C.

Examples:
  $ acs-d365 codec-server -c acs-d365.yaml --cors-origin http://localhost:8233
      then start the dev server with: temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8888
      (or, in the Web UI: "Configure data encoder" > http://127.0.0.1:8888)
  $ CODEC_TOKEN=$(openssl rand -hex 24) acs-d365 codec-server -c acs-d365.yaml --auth-env CODEC_TOKEN
      then: temporal workflow show -w egress --codec-endpoint http://127.0.0.1:8888 --codec-auth "Bearer $CODEC_TOKEN"`
    )
    .action(async (options: CodecServerCommandOptions) => {
      const config = await loadConfigOrExit(configPathFrom(options.config));
      if (!config.temporal.encryption) {
        throw new CliError('the configuration has no temporal.encryption section: there is nothing to decode.');
      }
      let codec: EncryptionCodec;
      try {
        codec = new EncryptionCodec(loadKeyring(config.temporal.encryption));
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const server = await startCodecServer({
        codec,
        host: options.host,
        port: options.port,
        corsOrigins: options.corsOrigin,
        ...(options.authEnv ? { authorization: `Bearer ${requiredToken(options.authEnv)}` } : {}),
      }).catch((err: Error) => {
        throw new CliError(`cannot listen on ${options.host}:${options.port}: ${err.message}`);
      });
      print(`codec server listening on ${server.url} (POST /encode, /decode)`);
      await runUntilStopped(() => server.close());
    });
}

function requiredToken(envName: string): string {
  let token: string | undefined;
  try {
    token = readEnvSecret(envName);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (!token) throw new CliError(`--auth-env ${envName}: set ${envName} (or ${envName}_FILE) to the expected token.`);
  return token;
}
