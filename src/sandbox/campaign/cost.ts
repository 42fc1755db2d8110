/**
 * What the simulated Campaign costs: latency per API call, the import workflow's time per record, and an optional
 * gateway throttle (Adobe documents no throttle for Campaign Standard; the Adobe I/O gateway in front of it may
 * answer 429). Defaults and their sources: docs/cost-model.md.
 */
export interface CampaignCostOptions {
  /** Added to every Campaign API answer (IMS excluded), in ms. @default 0 */
  latencyMs?: number;
  /** Import workflow time per record, in ms. @default 0 */
  importMsPerRecord?: number;
  /** At most `requests` API calls per `windowSeconds` (sliding), else 429 with `Retry-After`. @default none */
  gateway?: { requests: number; windowSeconds: number };
}

/** Production-like defaults: see docs/cost-model.md. No gateway throttle (none documented). */
export const PRODUCTION_LIKE_CAMPAIGN_COST: CampaignCostOptions = Object.freeze({
  latencyMs: 100,
  importMsPerRecord: 1,
});

/** A sliding-window request counter that says how long a refused caller must wait. */
export class GatewayThrottle {
  private readonly starts: number[] = [];
  private readonly windowMs: number;

  constructor(
    private readonly limit: { requests: number; windowSeconds: number },
    private readonly clock: () => number = Date.now
  ) {
    this.windowMs = limit.windowSeconds * 1000;
  }

  /** Admits a call (undefined), or returns the whole seconds to wait before the next one may pass. */
  admit(): number | undefined {
    const now = this.clock();
    while ((this.starts[0] ?? Infinity) <= now - this.windowMs) this.starts.shift();
    if (this.starts.length >= this.limit.requests) {
      const oldest = this.starts[0] as number;
      return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
    }
    this.starts.push(now);
    return undefined;
  }
}

/** Keeps an import to `msPerRecord`: after `done` records, waits until that many records' time has passed. */
export async function paceImport(startedAt: number, done: number, msPerRecord: number): Promise<void> {
  const due = startedAt + done * msPerRecord - Date.now();
  if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
}
