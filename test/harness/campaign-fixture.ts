import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCampaignClient, type CampaignClient, type CampaignClientOptions } from '../../src/connectors/campaign';
import {
  startCampaignSimulator,
  type CampaignSimulator,
  type CampaignSimulatorOptions,
} from '../../src/sandbox/campaign';

export interface CampaignFixture {
  sim: CampaignSimulator;
  client: CampaignClient;
  sftpRoot: string;
  /** A second client on the same simulator, with other options. */
  newClient(overrides?: Partial<CampaignClientOptions>): CampaignClient;
  close(): Promise<void>;
}

/** A simulator with an SFTP folder in a temp dir, and a client with fast retries pointed at it. */
export async function startCampaignFixture(options: CampaignSimulatorOptions = {}): Promise<CampaignFixture> {
  const sftpRoot = await mkdtemp(join(tmpdir(), 'acs-sim-'));
  const sim = await startCampaignSimulator({ commandDelayMs: 20, sftpRoot, ...options });
  const newClient = (overrides: Partial<CampaignClientOptions> = {}): CampaignClient =>
    createCampaignClient({
      baseUrl: sim.baseUrl,
      imsUrl: sim.imsUrl,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
      ...overrides,
    });
  return {
    sim,
    client: newClient(),
    sftpRoot,
    newClient,
    close: async () => {
      await sim.close();
      await rm(sftpRoot, { recursive: true, force: true });
    },
  };
}
