import { type EgressStack, startEgressStack } from '../harness/egress-stack';
import { peakInFlight, sentDuringPenalty } from '../harness/penalty';

/**
 * The egress writes against a D365 whose request limit is scaled down (40 requests per 2 s), with some latency so
 * requests overlap: every request Dataverse receives during a `Retry-After` penalty extends it, so a client that
 * resumes with several requests at once can keep re-arming the penalty and never get through. With four `$batch`
 * requests in flight and no controller this call stayed throttled until the client gave up waiting (HTTP 429 after
 * 30 s); it must finish at the pace the limit allows, several requests in flight, none sent during a penalty.
 */
describe('egress writes under service protection (real sshd, both simulators)', () => {
  let stack: EgressStack;

  beforeAll(async () => {
    stack = await startEgressStack(6, {
      limits: { requests: 40, windowSeconds: 2 },
      cost: { latencyMs: 10, requestMs: 5, writeMs: 1 },
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('applies every event though most of its requests meet the limit', async () => {
    const contacts = [...(stack.dynamics.sim.db.table('contacts')?.scan() ?? [])].map((row) => row.id);
    const rows = Array.from({ length: 800 }, (_v, i) => ({
      eventId: `send-sp${i}`,
      eventType: 'send',
      externalId: contacts[i % contacts.length] as string,
    }));
    const file = 'events_20260304050607_000001.csv';
    await stack.writeEventFile(file, rows);
    const before = stack.dynamics.sim.statusCounts[429] ?? 0;
    const mark = stack.dynamics.sim.requests.length;
    const result = await stack.activities({ batchSize: 10 }).applyEventFile({ file, fromLine: 2, reportId: 'sp' });
    expect(result.counts).toMatchObject({ read: 800, created: 800, rejected: 0 });
    expect((stack.dynamics.sim.statusCounts[429] ?? 0) - before).toBeGreaterThan(0);
    const records = stack.dynamics.sim.requests.slice(mark);
    expect(sentDuringPenalty(records)).toEqual([]);
    expect(peakInFlight(records)).toBeGreaterThan(1);
    expect(stack.rows('acs_emailsends').filter((row) => String(row.acs_eventid).startsWith('send-sp'))).toHaveLength(
      800
    );
  }, 90_000);
});
