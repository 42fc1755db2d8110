import { type QueryDefinition, type WorkflowHandle } from '@temporalio/client';
import { waitFor } from './wait';

/** What the D365 simulator counts of the answers it gave, by HTTP status. */
interface AnswerCounts {
  statusCounts: Record<number, number>;
}

/** The part of a manager's status the wait reads. */
interface PassStatus<P> {
  lastError?: string;
  passes: number;
  lastPass?: P;
}

/** A manager's first pass, and what it cost D365: its requests and 429s, and when D365 gave its last answer. */
export interface FirstPass<P> {
  lastPass: P;
  requests: number;
  throttled: number;
  /** `Date.now()` of the last answer seen while polling: the pass's writes end there, before its status says so. */
  lastAnswerAt: number;
}

/** Watches a benchmark's first pass: create it just before starting the flow, then {@link wait}. */
export class FirstPassWatch {
  /** `Date.now()` when the watch began. */
  readonly startedAt = Date.now();
  private readonly before: { all: number; throttled: number };

  constructor(private readonly dynamics: AnswerCounts) {
    this.before = this.counted();
  }

  /** Polls the manager's status every 200 ms (up to an hour) until its first pass has ended. */
  async wait<P>(
    what: string,
    manager: WorkflowHandle,
    statusQuery: QueryDefinition<PassStatus<P>>
  ): Promise<FirstPass<P>> {
    let lastAnswerAt = this.startedAt;
    let lastCount = this.before.all;
    const lastPass = await waitFor(
      what,
      async () => {
        const now = this.counted().all;
        if (now !== lastCount) [lastCount, lastAnswerAt] = [now, Date.now()];
        const status = await manager.query(statusQuery);
        if (status.lastError) throw new Error(status.lastError);
        return status.passes >= 1 ? status.lastPass : undefined;
      },
      3_600_000,
      200
    );
    const after = this.counted();
    return {
      lastPass,
      requests: after.all - this.before.all,
      throttled: after.throttled - this.before.throttled,
      lastAnswerAt,
    };
  }

  private counted(): { all: number; throttled: number } {
    return {
      all: Object.values(this.dynamics.statusCounts).reduce((sum, n) => sum + n, 0),
      throttled: this.dynamics.statusCounts[429] ?? 0,
    };
  }
}
