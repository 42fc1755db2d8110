import { AuthError, ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { type Logger } from '../../logging/logger';
import { DynamicsAuthError } from './errors';
import { TrustingNetworkClient } from './msal-network-client';

/** Client-credentials settings of the Entra ID app registration. */
export interface DynamicsCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Authority URL. @default `https://login.microsoftonline.com/<tenantId>` */
  authority?: string;
}

/** Something that hands out bearer tokens; `forceRefresh` bypasses the cache (after a 401). */
export interface TokenProvider {
  getToken(forceRefresh?: boolean): Promise<string>;
  close(): void;
}

const MICROSOFT_HOSTS = [
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.microsoft.com',
];

/**
 * Tokens from MSAL's confidential client (client credentials, scope `<org url>/.default`). MSAL caches the token
 * and renews it 5 minutes before it expires. A non-Microsoft authority (the simulator) is declared as a known
 * authority, so MSAL reads its OpenID configuration from it instead of Microsoft's instance discovery.
 */
export class MsalTokenProvider implements TokenProvider {
  private readonly app: ConfidentialClientApplication;
  private readonly scope: string;
  private readonly networkClient: TrustingNetworkClient | undefined;
  private readonly authority: string;

  constructor(
    orgUrl: string,
    private readonly credentials: DynamicsCredentials,
    options: { caCertificates?: string; timeoutMs: number; logger: Logger }
  ) {
    const authority = (credentials.authority ?? `https://login.microsoftonline.com/${credentials.tenantId}`).replace(
      /\/+$/,
      ''
    );
    this.authority = authority;
    const authorityHost = new URL(authority).host.toLowerCase();
    this.networkClient = options.caCertificates
      ? new TrustingNetworkClient(options.caCertificates, options.timeoutMs)
      : undefined;
    this.scope = `${orgUrl.replace(/\/+$/, '')}/.default`;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        authority,
        knownAuthorities: MICROSOFT_HOSTS.includes(authorityHost) ? [] : [authorityHost],
      },
      system: {
        ...(this.networkClient ? { networkClient: this.networkClient } : {}),
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          // MSAL's warnings are routine for client credentials ("No client info in response"): info, not warn.
          loggerCallback: (level, message) => {
            if (level === LogLevel.Error) options.logger.error({ library: 'msal' }, message);
            else if (level === LogLevel.Warning) options.logger.info({ library: 'msal' }, message);
          },
        },
      },
    });
  }

  async getToken(forceRefresh = false): Promise<string> {
    try {
      const result = await this.app.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: forceRefresh });
      if (!result?.accessToken) throw new DynamicsAuthError('token request returned no access token', 'no_token');
      return result.accessToken;
    } catch (err) {
      if (err instanceof DynamicsAuthError) throw err;
      const code = err instanceof AuthError ? err.errorCode : 'unknown_error';
      const detail =
        err instanceof AuthError
          ? err.errorMessage.split(/\r?\n/)[0]
          : err instanceof Error
            ? err.message
            : String(err);
      // MSAL hides why discovery failed; say what it tried to reach.
      const hint =
        code === 'endpoints_resolution_error'
          ? ` (could not read the OpenID configuration of ${this.authority}: unreachable, untrusted certificate, or not an Entra authority)`
          : '';
      throw new DynamicsAuthError(
        `token request for app ${this.credentials.clientId} in tenant ${this.credentials.tenantId} failed: ${code}: ${detail ?? ''}${hint}`,
        code,
        err
      );
    }
  }

  close(): void {
    this.networkClient?.close();
  }
}
