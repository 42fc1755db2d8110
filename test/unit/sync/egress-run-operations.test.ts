import { runOperations } from '../../../src/activities/egress/run-operations';
import { SystemicWriteError } from '../../../src/activities/egress/systemic';
import { type BatchOperation, type BatchResult, type DynamicsClient } from '../../../src/connectors/dynamics';

type Answer = (operation: BatchOperation, index: number) => BatchResult;

/** A client whose `$batch` answers come from a script; records each batch's paths. */
function scriptedClient(answers: Answer[]): { client: DynamicsClient; batches: string[][] } {
  const batches: string[][] = [];
  let call = 0;
  const executeBatch = (operations: BatchOperation[]): Promise<BatchResult[]> => {
    batches.push(operations.map((operation) => operation.path));
    const answer = answers[Math.min(call, answers.length - 1)] as Answer;
    call += 1;
    return Promise.resolve(operations.map((operation, index) => answer(operation, index)));
  };
  return { client: { executeBatch } as unknown as DynamicsClient, batches };
}

const ok: Answer = (_operation, index) => ({ index, outcome: 'succeeded', status: 204 });
const ops = (count: number): BatchOperation[] =>
  Array.from({ length: count }, (_v, i) => ({
    method: 'PATCH',
    path: `acs_emailsends(acs_eventid='e${i}')`,
    body: {},
  }));

describe('runOperations', () => {
  it('sends all its batches at once (the concurrency controller of the client paces them), keeping operation order', async () => {
    let inFlight = 0;
    let most = 0;
    let call = 0;
    const executeBatch = async (operations: BatchOperation[]): Promise<BatchResult[]> => {
      const delayMs = 40 - 5 * call++; // later batches would answer first if they overlapped
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      inFlight -= 1;
      return operations.map((operation, index) => ({ index, outcome: 'succeeded', status: 200, body: operation.path }));
    };
    const outcomes = await runOperations({ executeBatch } as unknown as DynamicsClient, ops(14), 2);
    expect(most).toBe(7);
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.body : undefined))).toEqual(
      ops(14).map((operation) => operation.path)
    );
  });

  it('splits operations into batches of batchSize and keeps input order', async () => {
    const { client, batches } = scriptedClient([ok]);
    const outcomes = await runOperations(client, ops(5), 2);
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
    expect(outcomes).toHaveLength(5);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  });

  it('keeps 4xx answers as final and retries 429, 5xx and not-executed operations one by one', async () => {
    const first: Answer = (_operation, index) =>
      [
        { index, outcome: 'failed', status: 412, code: '0x80040237', message: 'exists' } as const,
        { index, outcome: 'failed', status: 429, code: '0x80072322', message: 'throttled' } as const,
        { index, outcome: 'failed', status: 503, code: '', message: 'busy' } as const,
        { index, outcome: 'not-executed' } as const,
      ][index] as BatchResult;
    const { client, batches } = scriptedClient([first, ok]);
    const outcomes = await runOperations(client, ops(4), 10);
    expect(outcomes).toEqual([
      { ok: false, status: 412, code: '0x80040237', message: 'exists' },
      { ok: true },
      { ok: true },
      { ok: true },
    ]);
    expect(batches.slice(1)).toEqual([
      ["acs_emailsends(acs_eventid='e1')"],
      ["acs_emailsends(acs_eventid='e2')"],
      ["acs_emailsends(acs_eventid='e3')"],
    ]);
  });

  it('fails the call when an operation stays throttled on its own (systemic: the file waits for the next pass)', async () => {
    const throttled: Answer = (_operation, index) => ({
      index,
      outcome: 'failed',
      status: 429,
      code: '0x80072322',
      message: 'throttled',
    });
    const { client, batches } = scriptedClient([throttled]);
    await expect(runOperations(client, ops(1), 10)).rejects.toThrow(
      new SystemicWriteError('PATCH acs_emailsends failed 4 times on its own in a $batch (HTTP 429 0x80072322)')
    );
    expect(batches).toHaveLength(5);
  });

  it.each([
    [401, '', 'Bearer token revoked'],
    [403, '0x80040220', 'missing prvCreateacs_emailsend privilege'],
    [404, '0x80060888', "Resource not found for the segment 'acs_emailsends'."],
  ])(
    'fails the call when the operations are answered %i, instead of returning them as refusals',
    async (status, code, message) => {
      const refused: Answer = (_operation, index) => ({ index, outcome: 'failed', status, code, message });
      const { client } = scriptedClient([refused]);
      await expect(runOperations(client, ops(3), 10)).rejects.toThrow(SystemicWriteError);
      await expect(runOperations(client, ops(3), 10)).rejects.toThrow(`PATCH acs_emailsends answered HTTP ${status}`);
    }
  );
});
