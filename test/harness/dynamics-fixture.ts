import {
  type ConcurrencyController,
  DynamicsClient,
  type DynamicsClientOptions,
  type DynamicsLimits,
} from '../../src/connectors/dynamics';
import { createLogger } from '../../src/logging/logger';
import {
  type DynamicsSimulator,
  type DynamicsSimulatorOptions,
  startDynamicsSimulator,
} from '../../src/sandbox/dynamics';

/** A TLS simulator plus a factory of clients that authenticate through MSAL against it. */
export interface DynamicsFixture {
  sim: DynamicsSimulator;
  /** `controller`: one of the client's own (another worker process), instead of the process's shared one. */
  client(overrides?: {
    limits?: DynamicsLimits;
    clientSecret?: string;
    controller?: ConcurrencyController;
  }): DynamicsClient;
  close(): Promise<void>;
}

/** Quiet by default; LOG_LEVEL=debug shows client logs. */
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent', format: 'json' });

/** Fast retries so fault tests stay quick. */
export const FAST_LIMITS: DynamicsLimits = { retryBaseDelayMs: 20, retryMaxDelayMs: 200, maxThrottleWaitMs: 30_000 };

export async function startDynamicsFixture(options: DynamicsSimulatorOptions = {}): Promise<DynamicsFixture> {
  const sim = await startDynamicsSimulator({ tls: true, ...options });
  const clients: DynamicsClient[] = [];
  return {
    sim,
    client(overrides = {}) {
      const clientOptions: DynamicsClientOptions = {
        url: sim.url,
        credentials: {
          tenantId: sim.tenantId,
          clientId: sim.clientId,
          clientSecret: overrides.clientSecret ?? sim.clientSecret,
          authority: sim.authority,
        },
        caCertificates: sim.caCertificate,
        limits: { ...FAST_LIMITS, ...overrides.limits },
        logger,
        ...(overrides.controller ? { controller: overrides.controller } : {}),
      };
      const client = new DynamicsClient(clientOptions);
      clients.push(client);
      return client;
    },
    async close() {
      clients.forEach((c) => c.close());
      await sim.close();
    },
  };
}

/** Drains an async iterable into an array (tests only: real code handles one page at a time). */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}
