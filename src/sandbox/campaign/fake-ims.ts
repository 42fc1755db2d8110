import { randomBytes } from 'node:crypto';

export interface ImsAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Adobe IMS `POST /ims/token/v3` (client credentials) with tokens that expire. */
export class FakeIms {
  private readonly tokens = new Map<string, number>();
  /** Tokens issued so far. */
  issued = 0;

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    /** Token lifetime in seconds (IMS: 86399). */
    public tokenTtlSeconds: number,
    private readonly now: () => number = Date.now
  ) {}

  issue(form: URLSearchParams): ImsAnswer {
    if (form.get('grant_type') !== 'client_credentials') {
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' },
      };
    }
    if (form.get('client_id') !== this.clientId) {
      return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client_id parameter' } };
    }
    if (form.get('client_secret') !== this.clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'invalid client_secret parameter' } };
    }
    const token = `eyJ${randomBytes(32).toString('base64url')}`;
    this.tokens.set(token, this.now() + this.tokenTtlSeconds * 1000);
    this.issued += 1;
    this.forgetExpired();
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: this.tokenTtlSeconds } };
  }

  isValid(token: string): boolean {
    const expiresAt = this.tokens.get(token);
    return expiresAt !== undefined && this.now() < expiresAt;
  }

  /** Invalidates every token issued so far (as if IMS revoked them). */
  revokeAll(): void {
    this.tokens.clear();
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
  }
}
