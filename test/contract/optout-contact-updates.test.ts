import { ContactUpdates } from '../../src/activities/optout/contact-updates';
import { type AuditRow } from '../../src/activities/optout/audit-report';
import { DynamicsApiError } from '../../src/connectors/dynamics';
import { type OptOutCounts, ZERO_OPT_OUT_COUNTS } from '../../src/sync/optout/counts';
import { type OptOutStack, startOptOutStack } from '../harness/optout-stack';
import { until } from '../harness/polling';

let s: OptOutStack;

beforeAll(async () => {
  s = await startOptOutStack();
}, 60_000);

afterAll(async () => {
  await s?.close();
});

afterEach(() => s.dynamicsSim.faults.reset());

function scope(): { counts: OptOutCounts; audit: AuditRow[] } {
  return { counts: { ...ZERO_OPT_OUT_COUNTS }, audit: [] };
}

function update(contactId: string): { contactId: string; values: Record<string, boolean>; audit: AuditRow[] } {
  const audit: AuditRow = {
    key: contactId,
    attribute: 'denyListEmail',
    old: 'false',
    new: 'true',
    winner: 'campaign',
    reason: 'test',
  };
  return { contactId, values: { donotemail: true }, audit: [audit] };
}

const batchesAnswered = (mark: number): number =>
  s.dynamicsSim.requests.slice(mark).filter((r) => r.url.endsWith('/$batch')).length;

describe('batched contact updates', () => {
  it('returns from add while the batch it sent is written, so lookups go on; flush waits until it is', async () => {
    const ids = [
      await s.createPair({ email: false }, { email: true }),
      await s.createPair({ email: false }, { email: true }),
    ];
    s.dynamicsSim.faults.latencyMs = 300;
    const written = scope();
    const updates = new ContactUpdates(s.dynamics, written, 2);
    const mark = s.dynamicsSim.requests.length;

    for (const id of ids) await updates.add(update(id));

    expect(batchesAnswered(mark)).toBe(0);
    await updates.flush();
    expect(batchesAnswered(mark)).toBe(1);
    expect(written.counts.applied).toBe(2);
    for (const id of ids) expect((await s.d365(id)).donotemail).toBe(true);
  });

  it('refuses more updates once a batch failed, and flush throws that failure though the batch settled before', async () => {
    const ids = [
      await s.createPair({ email: false }, { email: true }),
      await s.createPair({ email: false }, { email: true }),
      await s.createPair({ email: false }, { email: true }),
    ];
    s.dynamicsSim.faults.failNext(1, 400);
    const updates = new ContactUpdates(s.dynamics, scope(), 2);
    const mark = s.dynamicsSim.requests.length;

    await updates.add(update(ids[0] as string));
    await updates.add(update(ids[1] as string));
    await until(() => batchesAnswered(mark) === 1, 10_000, 'the failed batch');
    // The answer left the simulator: give the client a moment to read it before the next call.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await expect(updates.add(update(ids[2] as string))).rejects.toBeInstanceOf(DynamicsApiError);
    await expect(updates.flush()).rejects.toBeInstanceOf(DynamicsApiError);
    expect((await s.d365(ids[2] as string)).donotemail).toBe(false);
  });
});
