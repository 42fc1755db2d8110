import { type DynamicsSimulator, startDynamicsSimulator } from '../../src/sandbox/dynamics';

/** Exercises the simulator the way any Dataverse Web API client would, over plain HTTP with fetch. */
describe('Dynamics simulator protocol', () => {
  let sim: DynamicsSimulator;
  let token: string;

  async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${sim.apiUrl}${path}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'OData-Version': '4.0', ...headers },
    });
  }

  /** One GET inside a `$batch` request; the part's JSON body. */
  async function batchGet(path: string): Promise<{ value: Record<string, unknown>[] }> {
    const boundary = 'batch_get';
    const body = [
      `--${boundary}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      `GET ${new URL(sim.apiUrl).pathname}${path} HTTP/1.1`,
      'Accept: application/json',
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const response = await fetch(`${sim.apiUrl}$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/mixed; boundary=${boundary}` },
      body,
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('HTTP/1.1 200');
    return JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { value: Record<string, unknown>[] };
  }

  async function tokenRequest(form: Record<string, string>, tenant = sim.tenantId): Promise<Response> {
    return fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  beforeAll(async () => {
    sim = await startDynamicsSimulator({ seedContacts: 6001 });
    const answer = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: `${sim.url}/.default`,
    });
    const body = (await answer.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    token = body.access_token;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers token requests like Entra ID, errors included', async () => {
    const bad = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: 'wrong',
      scope: `${sim.url}/.default`,
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    const scope = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: 'https://other/.default',
    });
    expect(await scope.json()).toMatchObject({ error: 'invalid_scope', error_codes: [70011] });
    const tenant = await tokenRequest(
      { grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret },
      'nope'
    );
    expect(await tenant.json()).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    const grant = await tokenRequest({ grant_type: 'password', client_id: sim.clientId });
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const basic = await fetch(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${sim.url}/.default` }).toString(),
    });
    expect(basic.status).toBe(200);
  });

  it('refuses the Web API without a valid token (401 with WWW-Authenticate)', async () => {
    const response = await fetch(`${sim.apiUrl}contacts`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer authorization_uri=');
    const forged = await fetch(`${sim.apiUrl}contacts`, { headers: { Authorization: 'Bearer forged' } });
    expect(forged.status).toBe(401);
  });

  it('serves OData headers, default 5000-row pages, opaque skiptokens and the count annotations', async () => {
    const response = await get('contacts?$select=fullname&$count=true', {
      Prefer:
        'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"',
    });
    expect(response.headers.get('content-type')).toBe('application/json; odata.metadata=minimal');
    expect(response.headers.get('odata-version')).toBe('4.0');
    const body = (await response.json()) as Record<string, unknown> & { value: unknown[] };
    expect(body.value).toHaveLength(5000);
    expect(body['@odata.count']).toBe(5000);
    expect(body['@Microsoft.Dynamics.CRM.totalrecordcount']).toBe(5000);
    expect(body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']).toBe(true);
    expect(body['@odata.context']).toBe(`${sim.apiUrl}$metadata#contacts(fullname)`);
    expect(String(body['@odata.nextLink'])).toMatch(/\$skiptoken=%3Ccookie%20pagenumber%3D%222%22/);
    const clamped = await get('contacts?$select=fullname', { Prefer: 'odata.maxpagesize=9000' });
    expect(clamped.headers.get('preference-applied')).toBe('odata.maxpagesize=5000');
    const count = await get('contacts/$count');
    expect(count.headers.get('content-type')).toBe('text/plain');
    expect(await count.text()).toBe('5000');
  });

  it('rejects $skip and unknown columns, and answers 304 to a matching If-None-Match', async () => {
    expect((await get('contacts?$skip=10')).status).toBe(400);
    const missing = await get('nosuchset');
    expect(missing.status).toBe(404);
    const first = (await (await get('contacts?$top=1')).json()) as {
      value: { contactid: string; '@odata.etag': string }[];
    };
    const row = first.value[0];
    const again = await get(`contacts(${row?.contactid})`, { 'If-None-Match': row?.['@odata.etag'] ?? '' });
    expect(again.status).toBe(304);
  });

  it('returns formatted values for booleans and choices when asked', async () => {
    const response = await get('contacts?$top=1&$select=donotemail,gendercode,statecode', {
      Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"',
    });
    const row = ((await response.json()) as { value: Record<string, unknown>[] }).value[0] ?? {};
    expect(row['statecode@OData.Community.Display.V1.FormattedValue']).toMatch(/^(Active|Inactive)$/);
    expect(row['gendercode@OData.Community.Display.V1.FormattedValue']).toMatch(/^(Male|Female)$/);
    expect(row['donotemail@OData.Community.Display.V1.FormattedValue']).toMatch(/^(Yes|No)$/);
  });

  it('describes its tables in EntityDefinitions', async () => {
    const tracked = (await (
      await get('EntityDefinitions?$select=LogicalName,EntitySetName&$filter=ChangeTrackingEnabled eq true')
    ).json()) as {
      value: { LogicalName: string }[];
    };
    expect(tracked.value.map((e) => e.LogicalName).sort()).toEqual([
      'acs_loyaltyprogram',
      'acs_membership',
      'acs_reward',
      'contact',
    ]);
    const contact = (await (await get("EntityDefinitions(LogicalName='contact')?$expand=Attributes")).json()) as {
      PrimaryIdAttribute: string;
      Attributes: {
        LogicalName: string;
        AttributeType: string;
        MaxLength?: number;
        DateTimeBehavior?: { Value: string };
      }[];
    };
    expect(contact.PrimaryIdAttribute).toBe('contactid');
    const byName = new Map(contact.Attributes.map((a) => [a.LogicalName, a]));
    expect(byName.get('firstname')).toMatchObject({ AttributeType: 'String', MaxLength: 50 });
    expect(byName.get('emailaddress1')).toMatchObject({ MaxLength: 100 });
    expect(byName.get('birthdate')).toMatchObject({
      AttributeType: 'DateTime',
      DateTimeBehavior: { Value: 'DateOnly' },
    });
    expect(byName.get('ownerid')).toMatchObject({ AttributeType: 'Lookup' });
    const activity = (await (await get("EntityDefinitions(LogicalName='acs_emailclick')")).json()) as {
      IsActivity: boolean;
    };
    expect(activity.IsActivity).toBe(true);
  });

  it('serves one derived attribute type through a cast, with its own properties, in and out of $batch', async () => {
    const path =
      "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata" +
      '?$select=LogicalName,DateTimeBehavior';
    const direct = (await (await get(path)).json()) as { value: Record<string, unknown>[] };
    const batched = await batchGet(path);
    for (const body of [direct, batched]) {
      const byName = new Map(body.value.map((a) => [a.LogicalName, a]));
      expect([...byName.keys()].sort()).toEqual(['birthdate', 'createdon', 'modifiedon']);
      expect(byName.get('birthdate')).toEqual({
        '@odata.type': '#Microsoft.Dynamics.CRM.DateTimeAttributeMetadata',
        MetadataId: expect.any(String),
        LogicalName: 'birthdate',
        DateTimeBehavior: { Value: 'DateOnly' },
      });
      expect(byName.get('modifiedon')).toMatchObject({ DateTimeBehavior: { Value: 'UserLocal' } });
    }
  });

  it('refuses unknown segments, unknown casts and derived properties on the base type', async () => {
    for (const path of [
      "EntityDefinitions(LogicalName='contact')/NoSuchSegment",
      "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.NoSuchAttributeMetadata",
      "EntityDefinitions(LogicalName='contact')/Attributes/x/y",
    ]) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('0x80060888');
    }
    const base = await get("EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName,DateTimeBehavior");
    expect(base.status).toBe(400);
    expect(((await base.json()) as { error: { message: string } }).error.message).toBe(
      "Could not find a property named 'DateTimeBehavior' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'."
    );
    const expand = await get("EntityDefinitions(LogicalName='contact')?$expand=Relationships");
    expect(expand.status).toBe(400);
  });

  it('filters attribute collections and applies nested $select in $expand', async () => {
    const picklists = (await (
      await get(
        "EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName" +
          "&$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'"
      )
    ).json()) as { value: { LogicalName: string }[] };
    expect(picklists.value.map((a) => a.LogicalName)).toEqual(['gendercode']);
    const expanded = (await (
      await get(
        "EntityDefinitions(LogicalName='contact')?$select=LogicalName&$expand=Attributes($select=LogicalName,AttributeType)"
      )
    ).json()) as { LogicalName: string; PrimaryIdAttribute?: string; Attributes: Record<string, unknown>[] };
    expect(expanded.LogicalName).toBe('contact');
    expect(expanded.PrimaryIdAttribute).toBeUndefined();
    for (const attribute of expanded.Attributes)
      expect(Object.keys(attribute).sort()).toEqual(['@odata.type', 'AttributeType', 'LogicalName', 'MetadataId']);
  });

  it('expands OptionSet only on choice types, and serves alternate keys as a navigation property', async () => {
    const plain = (await (await get("EntityDefinitions(LogicalName='contact')/Attributes")).json()) as {
      value: Record<string, unknown>[];
    };
    expect(plain.value.some((a) => 'OptionSet' in a)).toBe(false);
    const choices = (await (
      await get(
        "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata" +
          '?$select=LogicalName&$expand=OptionSet'
      )
    ).json()) as { value: { LogicalName: string; OptionSet: { Options: { Value: number }[] } }[] };
    expect(choices.value.map((a) => [a.LogicalName, a.OptionSet.Options.map((o) => o.Value)])).toEqual([
      ['gendercode', [1, 2]],
    ]);
    expect((await get("EntityDefinitions(LogicalName='contact')/Attributes?$expand=OptionSet")).status).toBe(400);

    const entity = (await (await get("EntityDefinitions(LogicalName='acs_emailsend')")).json()) as object;
    expect('Keys' in entity || 'Attributes' in entity).toBe(false);
    const keys = (await (await get("EntityDefinitions(LogicalName='acs_emailsend')/Keys")).json()) as {
      value: { KeyAttributes: string[]; EntityKeyIndexStatus: string }[];
    };
    expect(keys.value).toEqual([
      expect.objectContaining({ KeyAttributes: ['acs_eventid'], EntityKeyIndexStatus: 'Active' }),
    ]);
    const withKeys = (await (await get("EntityDefinitions(LogicalName='acs_emailsend')?$expand=Keys")).json()) as {
      Keys: unknown[];
    };
    expect(withKeys.Keys).toHaveLength(1);
  });

  it('reports an unknown Content-ID reference in a change set', async () => {
    const boundary = 'batch_x';
    const changeset = 'changeset_y';
    const body = [
      `--${boundary}`,
      `Content-Type: multipart/mixed; boundary=${changeset}`,
      '',
      `--${changeset}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      'POST /api/data/v9.2/tasks HTTP/1.1',
      'Content-Type: application/json; type=entry',
      '',
      '{"subject":"x","regardingobjectid_contact_task@odata.bind":"$7"}',
      `--${changeset}--`,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const response = await fetch(`${sim.apiUrl}$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/mixed; boundary=${boundary}` },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Content-ID Reference: '$7' does not exist in the batch context.");
  });
});
