import { CampaignApiError, createCampaignClient } from '../../src/connectors/campaign';
import { startCampaignFixture, type CampaignFixture } from '../harness/campaign-fixture';

describe('Campaign client ↔ simulator: IMS auth and headers', () => {
  let fx: CampaignFixture;
  beforeAll(async () => {
    fx = await startCampaignFixture({ tokenTtlSeconds: 3 });
  });
  afterAll(() => fx.close());

  const profiles = () => fx.client.resource({ api: 'profileAndServices', name: 'profile' });

  it('reuses one token across calls and sends Cache-Control: no-cache on every call', async () => {
    const client = fx.newClient({ tokenRenewalMarginSeconds: 0 });
    const resource = client.resource({ api: 'profileAndServices', name: 'profile' });
    await Promise.all([resource.page(), resource.page(), resource.page()]);
    await resource.page();
    expect(client.tokensFetched).toBe(1);
    expect(fx.sim.traffic.missingNoCache).toBe(0);
  });

  it('renews the token before it expires', async () => {
    const client = fx.newClient({ tokenRenewalMarginSeconds: 1 });
    const resource = client.resource({ api: 'profileAndServices', name: 'profile' });
    await resource.page();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await resource.page();
    expect(client.tokensFetched).toBe(2);
  });

  it('recovers from 401013 (token revoked) by fetching a new token once', async () => {
    await profiles().page();
    fx.sim.ims.revokeAll();
    const page = await profiles().page();
    expect(Array.isArray(page.content)).toBe(true);
  });

  it('lets tokens expire: an expired token gets 401 401013', async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: fx.sim.clientId,
      client_secret: fx.sim.clientSecret,
    });
    const answer = (await (await fetch(fx.sim.imsUrl, { method: 'POST', body: form })).json()) as {
      access_token: string;
      expires_in: number;
      token_type: string;
    };
    expect(answer).toMatchObject({ token_type: 'bearer', expires_in: 3 });
    const call = () =>
      fetch(`${fx.sim.baseUrl}/profileAndServices/profile`, {
        headers: { 'X-Api-Key': fx.sim.apiKey, Authorization: `Bearer ${answer.access_token}` },
      });
    expect((await call()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    const expired = await call();
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error_code: string }).error_code).toBe('401013');
  });

  it('answers a bad token with 401 401013 and a bad API key with 403', async () => {
    const noToken = await fetch(`${fx.sim.baseUrl}/profileAndServices/profile`, {
      headers: { 'X-Api-Key': fx.sim.apiKey, Authorization: 'Bearer nope' },
    });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ code: 401, error_code: '401013', message: 'Oauth token is not valid' });
    const client = fx.newClient({ apiKey: 'wrong-key' });
    await expect(client.resource({ api: 'profileAndServices', name: 'profile' }).page()).rejects.toMatchObject({
      status: 403,
      code: '403003',
    });
  });

  it('refuses bad client credentials with IMS error, naming the call and never the secret', async () => {
    const client = createCampaignClient({
      baseUrl: fx.sim.baseUrl,
      imsUrl: fx.sim.imsUrl,
      clientId: fx.sim.clientId,
      clientSecret: 'definitely-wrong-secret',
    });
    const error = await client
      .resource({ api: 'profileAndServices', name: 'profile' })
      .page()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CampaignApiError);
    expect((error as Error).message).toContain('POST /ims/token/v3');
    expect((error as Error).message).toContain('invalid_client');
    expect((error as Error).message).not.toContain('definitely-wrong-secret');
  });

  it('answers an unknown organization with the gateway 500 "Oops" error (retried as an outage)', async () => {
    const client = fx.newClient({ baseUrl: fx.sim.baseUrl.replace('/acme/', '/other-org/') });
    const before = fx.sim.requests.GET ?? 0;
    await expect(client.resource({ api: 'profileAndServices', name: 'profile' }).page()).rejects.toThrow(
      /HTTP 500: Oops. Something went wrong/
    );
    // A 500 without an ACS code is retried: 4 attempts.
    expect((fx.sim.requests.GET ?? 0) - before).toBe(4);
  });

  it('refuses to follow an href to another host', async () => {
    await expect(
      fx.client.resource({ api: 'profileAndServices', name: 'profile' }).get('https://evil.example.com/x')
    ).rejects.toThrow(/outside the Campaign API/);
  });

  it('requires a base URL or a valid organization, and defaults to mc.adobe.io', () => {
    expect(() => createCampaignClient({ clientId: 'a', clientSecret: 'b' })).toThrow(/organization/);
    expect(createCampaignClient({ organization: 'acme-mkt-stage', clientId: 'a', clientSecret: 'b' }).baseUrl).toBe(
      'https://mc.adobe.io/acme-mkt-stage/campaign'
    );
  });
});
