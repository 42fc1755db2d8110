import { randomUUID } from 'node:crypto';
import { DynamicsApiError } from '../../src/connectors/dynamics';
import { collect, type DynamicsFixture, startDynamicsFixture } from '../harness/dynamics-fixture';

describe('Dynamics client writes against the simulator', () => {
  let fx: DynamicsFixture;

  beforeAll(async () => {
    fx = await startDynamicsFixture({ seedContacts: 3, contactAlternateKeys: [['emailaddress1']] });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('creates a contact with the documented defaults and reads it back', async () => {
    const client = fx.client();
    const created = await client.create(
      'contacts',
      { firstname: 'Ana', lastname: 'Lima', birthdate: '1980-05-17' },
      { returnRepresentation: true }
    );
    expect(created.created).toBe(true);
    expect(created.row).toMatchObject({
      firstname: 'Ana',
      fullname: 'Ana Lima',
      birthdate: '1980-05-17',
      statecode: 0,
      statuscode: 1,
      donotemail: false,
      donotbulkemail: false,
      followemail: true,
      '@odata.etag': expect.stringMatching(/^W\/"\d+"$/),
    });
    const plain = await client.create('contacts', { lastname: 'Plain' });
    expect(plain.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(plain.entityId).toBe(`${fx.sim.apiUrl}contacts(${plain.id})`);
  });

  it('updates with If-Match * (404 when missing) and honours etags (412)', async () => {
    const client = fx.client();
    const { row } = await client.create('contacts', { lastname: 'Etag' }, { returnRepresentation: true });
    const id = String(row?.contactid);
    const etag = String(row?.['@odata.etag']);
    const updated = await client.update('contacts', id, { firstname: 'Eve' }, { etag, returnRepresentation: true });
    expect(updated.row?.['@odata.etag']).not.toBe(etag);
    expect(updated.row?.modifiedon).toBeDefined();
    await expect(client.update('contacts', id, { firstname: 'Stale' }, { etag })).rejects.toMatchObject({
      status: 412,
    });
    await expect(client.update('contacts', randomUUID(), { firstname: 'Nobody' })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('upserts by alternate key: create then update, create-only and update-only modes', async () => {
    const client = fx.client();
    const key = { emailaddress1: "o'neil+test@example.com" };
    const first = await client.upsert('contacts', key, { lastname: "O'Neil" }, { returnRepresentation: true });
    expect(first.created).toBe(true);
    const second = await client.upsert('contacts', key, { firstname: 'Pat' }, { returnRepresentation: true });
    expect(second.created).toBe(false);
    expect(second.row).toMatchObject({
      firstname: 'Pat',
      lastname: "O'Neil",
      emailaddress1: "o'neil+test@example.com",
    });
    await expect(client.upsert('contacts', key, { firstname: 'Again' }, { mode: 'create-only' })).rejects.toMatchObject(
      { status: 412 }
    );
    await expect(
      client.upsert('contacts', { emailaddress1: 'none@example.com' }, { lastname: 'X' }, { mode: 'update-only' })
    ).rejects.toMatchObject({
      status: 404,
    });
    const err = await client.upsert('contacts', { lastname: 'Lima' }, { firstname: 'X' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamicsApiError);
    expect(String(err)).toContain('The key in the request URI is not valid');
    // Key values never appear in the error (they can be personal data).
    expect(String(err)).toContain('/api/data/v9.2/contacts(…)');
  });

  it('refuses values that break the schema with Dataverse validation errors', async () => {
    const client = fx.client();
    const err = await client.create('contacts', { lastname: 'x'.repeat(51) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: '0x80044331' });
    expect(String(err)).toContain("maximum allowed length of '50'");
    await expect(client.create('contacts', { lastname: 'Y', birthdate: '17/05/1980' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(client.create('contacts', { lastname: 'Y', nosuch: 1 })).rejects.toThrow(
      /The property 'nosuch' does not exist/
    );
  });

  it('updates an inactive contact, as Dataverse does, and keeps it inactive', async () => {
    const client = fx.client();
    const { id } = await client.create('contacts', { lastname: 'Leaving' });
    await client.update('contacts', id as string, { statecode: 1 });
    const changed = await client.update(
      'contacts',
      id as string,
      { donotbulkemail: true },
      { returnRepresentation: true }
    );
    expect(changed.row).toMatchObject({ statecode: 1, statuscode: 2, donotbulkemail: true });
  });

  it('refuses updates of inactive contacts until reactivated, when configured to', async () => {
    const refusing = await startDynamicsFixture({ readOnlyInactiveContacts: true });
    try {
      const client = refusing.client();
      const { id } = await client.create('contacts', { lastname: 'Leaving' });
      await client.update('contacts', id as string, { statecode: 1 });
      await expect(client.update('contacts', id as string, { firstname: 'No' })).rejects.toMatchObject({
        status: 400,
        code: '0x80043b09',
      });
      const back = await client.update(
        'contacts',
        id as string,
        { statecode: 0, firstname: 'Back' },
        { returnRepresentation: true }
      );
      expect(back.row).toMatchObject({ statecode: 0, statuscode: 1, firstname: 'Back' });
    } finally {
      await refusing.close();
    }
  });

  it('deletes (404 the second time)', async () => {
    const client = fx.client();
    const { id } = await client.create('contacts', { lastname: 'Temp' });
    await client.delete('contacts', id as string);
    await expect(client.delete('contacts', id as string)).rejects.toMatchObject({ status: 404, code: '0x80040217' });
  });

  it('creates Campaign event activities regarding a contact, idempotently by event id', async () => {
    const client = fx.client();
    const { id: contactId } = await client.create('contacts', { lastname: 'Reader' });
    const event = {
      subject: 'CAMP1 DLV1',
      acs_campaignname: 'Spring',
      'regardingobjectid_contact_acs_emailopen@odata.bind': `/contacts(${contactId})`,
    };
    await client.upsert('acs_emailopens', { acs_eventid: 'evt-1' }, event);
    await client.upsert('acs_emailopens', { acs_eventid: 'evt-1' }, event);
    const rows = (
      await collect(client.readPages('acs_emailopens', { select: ['subject', '_regardingobjectid_value'] }))
    ).flatMap((p) => p.rows);
    expect(rows).toHaveLength(1);
    expect(rows[0]?._regardingobjectid_value).toBe(contactId);
    await expect(
      client.create('acs_emailopens', {
        subject: 'x',
        'regardingobjectid_contact_acs_emailopen@odata.bind': `/contacts(${randomUUID()})`,
      })
    ).rejects.toMatchObject({ status: 404 });
    await expect(client.create('tasks', { subject: 'done', statecode: 1 })).rejects.toMatchObject({ status: 400 });
  });
});
