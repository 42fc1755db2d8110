import { randomUUID } from 'node:crypto';
import { type BatchOperation } from '../../src/connectors/dynamics';
import { type DynamicsFixture, startDynamicsFixture } from '../harness/dynamics-fixture';

describe('Dynamics $batch against the simulator', () => {
  let fx: DynamicsFixture;

  beforeAll(async () => {
    fx = await startDynamicsFixture({ seedContacts: 2 });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('continues on error and maps every result back to its input', async () => {
    const client = fx.client();
    const before = await client.count('contacts');
    const ops: BatchOperation[] = [
      { method: 'POST', path: 'contacts', body: { lastname: 'One' } },
      { method: 'POST', path: 'contacts', body: { lastname: 'x'.repeat(60) } },
      { method: 'PATCH', path: `contacts(${randomUUID()})`, body: { lastname: 'Upserted' } },
      { method: 'DELETE', path: `contacts(${randomUUID()})` },
      { method: 'POST', path: 'contacts', body: { lastname: 'Four' } },
    ];
    const results = await client.executeBatch(ops);
    expect(results.map((r) => r.outcome)).toEqual(['succeeded', 'failed', 'succeeded', 'failed', 'succeeded']);
    expect(results[1]).toMatchObject({ index: 1, status: 400, code: '0x80044331' });
    expect(results[3]).toMatchObject({ index: 3, status: 404 });
    expect(results[0]).toMatchObject({ status: 204, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(await client.count('contacts')).toBe(before + 3);
  });

  it('stops at the first failure without continue-on-error', async () => {
    const client = fx.client();
    const results = await client.executeBatch(
      [
        { method: 'POST', path: 'contacts', body: { lastname: 'Kept' } },
        { method: 'POST', path: 'contacts', body: { nosuch: true } },
        { method: 'POST', path: 'contacts', body: { lastname: 'Never' } },
      ],
      { continueOnError: false }
    );
    expect(results.map((r) => r.outcome)).toEqual(['succeeded', 'failed', 'not-executed']);
  });

  it('runs a change set atomically with $n references, and rolls it all back on failure', async () => {
    const client = fx.client();
    const ok = await client.executeBatch(
      [
        { method: 'POST', path: 'contacts', body: { lastname: 'Parent' } },
        {
          method: 'POST',
          path: 'tasks',
          body: { subject: 'Follow up', 'regardingobjectid_contact_task@odata.bind': '$1' },
        },
      ],
      { atomic: true }
    );
    expect(ok.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
    const before = await client.count('contacts');
    const failed = await client.executeBatch(
      [
        { method: 'POST', path: 'contacts', body: { lastname: 'Rolled back' } },
        { method: 'POST', path: 'tasks', body: { subject: 's'.repeat(201) } },
      ],
      { atomic: true }
    );
    expect(failed.map((r) => r.outcome)).toEqual(['rolled-back', 'failed']);
    expect(await client.count('contacts')).toBe(before);
  });

  it('refuses more than 1000 operations before sending anything', async () => {
    const ops: BatchOperation[] = Array.from({ length: 1001 }, () => ({
      method: 'DELETE',
      path: `contacts(${randomUUID()})`,
    }));
    await expect(fx.client().executeBatch(ops)).rejects.toThrow(/at most 1000 operations/);
  });

  it('retries a throttled batch and answers each operation once', async () => {
    const client = fx.client();
    fx.sim.faults.throttleNext(1, 1);
    const results = await client.executeBatch([{ method: 'POST', path: 'contacts', body: { lastname: 'After 429' } }]);
    expect(results).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
  });
});
