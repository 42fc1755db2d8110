import { DynamicsApiError, DynamicsAuthError, DynamicsClient } from '../../src/connectors/dynamics';
import { createLogger } from '../../src/logging/logger';
import { collect, type DynamicsFixture, startDynamicsFixture } from '../harness/dynamics-fixture';

describe('Dynamics client authentication (real MSAL against the simulator token endpoint)', () => {
  let fx: DynamicsFixture;

  beforeAll(async () => {
    fx = await startDynamicsFixture({ seedContacts: 12 });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('gets a token through MSAL and reuses it from MSAL cache', async () => {
    const client = fx.client();
    await collect(client.readPages('contacts', { pageSize: 4 }));
    await client.count('contacts');
    expect(
      fx.sim.requests.filter((r) => r.url.includes('/oauth2/v2.0/token') && r.status === 200).length
    ).toBeGreaterThanOrEqual(1);
    const tokenCalls = fx.sim.requests.filter((r) => r.url.includes('/oauth2/v2.0/token')).length;
    await client.count('contacts');
    expect(fx.sim.requests.filter((r) => r.url.includes('/oauth2/v2.0/token')).length).toBe(tokenCalls);
  });

  it('fails with an AADSTS error, naming the app but not the secret, when the secret is wrong', async () => {
    const client = fx.client({ clientSecret: 'not-the-secret-value' });
    const err = await client.count('contacts').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamicsAuthError);
    expect(err).toMatchObject({ errorCode: 'invalid_client' });
    expect(String(err)).toContain('AADSTS7000215');
    expect(String(err)).toContain(fx.sim.clientId);
    expect(String(err)).not.toContain('not-the-secret-value');
  });

  it('fails clearly when the authority certificate is not trusted', async () => {
    const client = new DynamicsClient({
      url: fx.sim.url,
      credentials: {
        tenantId: fx.sim.tenantId,
        clientId: fx.sim.clientId,
        clientSecret: fx.sim.clientSecret,
        authority: fx.sim.authority,
      },
      logger: createLogger({ level: 'silent', format: 'json' }),
    });
    try {
      const err = await client.count('contacts').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DynamicsAuthError);
      expect(String(err)).toContain(`token request for app ${fx.sim.clientId}`);
      expect(String(err)).toContain('untrusted certificate');
      expect(String(err)).not.toContain(fx.sim.clientSecret);
    } finally {
      client.close();
    }
  });

  it('renews a token revoked in the middle of a read and loses no page', async () => {
    const client = fx.client();
    const ids: unknown[] = [];
    let pages = 0;
    for await (const page of client.readPages('contacts', { pageSize: 5 })) {
      ids.push(...page.rows.map((r) => r.contactid));
      if (++pages === 1) fx.sim.tokens.revokeAll();
    }
    expect(new Set(ids).size).toBe(12);
    expect(fx.sim.requests.some((r) => r.status === 401)).toBe(true);
  });

  it('renews a token that expired in the middle of a read', async () => {
    const client = fx.client();
    const before = fx.sim.requests.filter((r) => r.status === 401).length;
    const rows: unknown[] = [];
    let pages = 0;
    for await (const page of client.readPages('contacts', { pageSize: 5 })) {
      rows.push(...page.rows);
      if (++pages === 2) fx.sim.tokens.expireAll();
    }
    expect(rows).toHaveLength(12);
    expect(fx.sim.requests.filter((r) => r.status === 401).length).toBe(before + 1);
  });

  it('gives up after one renewal when the new token is refused too', async () => {
    const client = fx.client();
    fx.sim.tokens.setTokenLifetime(0);
    try {
      fx.sim.tokens.revokeAll();
      const err = await client.count('contacts').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DynamicsApiError);
      expect(err).toMatchObject({ status: 401, method: 'GET', path: '/api/data/v9.2/contacts/$count' });
    } finally {
      fx.sim.tokens.setTokenLifetime(3599);
    }
  });
});
