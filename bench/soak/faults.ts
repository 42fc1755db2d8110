import { type BenchStack } from '../lib/stack';

/** How many faults of each kind a soak run injected (request faults are counted by the simulators). */
export type FaultCounts = Record<
  'sftpDrops' | 'tokenRevocations' | 'throttleStorms' | 'deltaExpiries' | 'workerKills',
  number
>;

/**
 * Random faults for a soak run: request-level faults at `rate` on both simulators for the whole run, plus, on each
 * tick, with chance `rate`: an SFTP drop, revoked tokens, a 429 storm; more rarely an expired delta token or a
 * worker SIGKILL (the worker is started again at once).
 */
export class SoakFaults {
  readonly counts: FaultCounts = {
    sftpDrops: 0,
    tokenRevocations: 0,
    throttleStorms: 0,
    deltaExpiries: 0,
    workerKills: 0,
  };

  constructor(
    private readonly stack: BenchStack,
    private readonly rate: number,
    private readonly random: () => number,
    private readonly restartWorker: () => Promise<void>
  ) {}

  /** Turns the request-level faults on. */
  start(): void {
    if (this.rate === 0) return;
    this.stack.dynamics.faults.errorRate = this.rate;
    this.stack.dynamics.faults.resetRate = this.rate / 4;
    this.stack.campaign.faults.add({ kind: 'status', status: 503, probability: this.rate });
    this.stack.campaign.faults.add({ kind: 'nonJson', probability: this.rate / 4 });
    this.stack.campaign.faults.add({ kind: 'status', status: 502, afterProcessing: true, probability: this.rate / 4 });
  }

  /** One fault tick (every few seconds). */
  async tick(): Promise<void> {
    if (this.random() < this.rate) {
      this.counts.sftpDrops += await this.stack.sftp.dropConnections().then((n) => (n > 0 ? 1 : 0));
    }
    if (this.random() < this.rate) {
      this.stack.dynamics.tokens.revokeAll();
      this.stack.campaign.ims.revokeAll();
      this.counts.tokenRevocations += 1;
    }
    if (this.random() < this.rate) {
      this.stack.dynamics.faults.throttleNext(5, 1);
      this.counts.throttleStorms += 1;
    }
    if (this.random() < this.rate / 5) {
      this.stack.dynamics.expireDeltaTokens();
      this.counts.deltaExpiries += 1;
    }
    if (this.random() < this.rate / 3) {
      this.counts.workerKills += 1;
      await this.restartWorker();
    }
  }

  /** Turns every fault off (for the catch-up and the comparison). */
  stop(): void {
    this.stack.dynamics.faults.reset();
    this.stack.campaign.faults.clear();
  }

  /** One line for the report. */
  summary(): string {
    const requests = this.stack.campaign.faults.injected;
    const d365 = this.stack.dynamics.requests;
    return (
      `faults: ${JSON.stringify(this.counts)}; Campaign answers replaced ${JSON.stringify(requests)}; ` +
      `D365 answers in the last ${d365.length} requests: ${d365.filter((r) => r.status >= 500).length} 5xx, ` +
      `${d365.filter((r) => r.status === 429).length} 429, ${d365.filter((r) => r.status === 0).length} resets`
    );
  }
}
