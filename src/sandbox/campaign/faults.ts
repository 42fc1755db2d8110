import { SeededRandom } from './random';

/**
 * `latency`: delay the answer; `status`: answer with an HTTP error status (default 503) and a JSON body;
 * `nonJson`: answer 200 with an HTML body; `drop`: close the connection without an answer.
 */
export type FaultKind = 'latency' | 'status' | 'nonJson' | 'drop';

export interface FaultRule {
  kind: FaultKind;
  /** How many requests this rule hits before it is used up. @default Infinity */
  times?: number;
  /** Chance that a matching request is hit. @default 1 */
  probability?: number;
  /** Only requests whose path contains this text or matches this pattern. @default every request */
  path?: string | RegExp;
  /** Only this HTTP method. @default every method */
  method?: string;
  /** Status for `status` faults. @default 503 */
  status?: number;
  /** Delay for `latency` faults. @default 1000 */
  latencyMs?: number;
  /** `Retry-After` header (seconds) of `status` faults, e.g. for an opt-in 429. @default none */
  retryAfterSeconds?: number;
  /**
   * For `drop`, `status` and `nonJson`: process the request first, then lose or replace its answer (a write that
   * happened although the client saw a failure). @default false
   */
  afterProcessing?: boolean;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

export interface FaultDecision {
  latencyMs: number;
  /** The one answer-replacing fault, if any. */
  fault?: FaultRule;
}

/** Decides which injected faults hit a request; rules are used up in the order they were added. */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  /** Faults injected so far, by kind. */
  readonly injected: Record<FaultKind, number> = { latency: 0, status: 0, nonJson: 0, drop: 0 };
  private readonly random: SeededRandom;

  constructor(seed = 1) {
    this.random = new SeededRandom(seed);
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  decide(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !matches(rule, method, path)) continue;
      if (rule.kind !== 'latency' && decision.fault) continue;
      if (this.random.next() >= (rule.probability ?? 1)) continue;
      rule.remaining -= 1;
      this.injected[rule.kind] += 1;
      if (rule.kind === 'latency') decision.latencyMs += rule.latencyMs ?? 1000;
      else decision.fault = rule;
    }
    this.rules = this.rules.filter((rule) => rule.remaining > 0);
    return decision;
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path);
}
