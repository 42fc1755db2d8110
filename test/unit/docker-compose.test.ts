import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';
import { PROJECT_ROOT } from '../harness/cli';

// Docker cannot run on our machines, so the deployment description is checked by reading it.
interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  command?: string[];
  secrets?: string[];
}

const compose = YAML.parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  secrets: Record<string, unknown>;
};
const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const services = compose.services;

describe('docker-compose.yml (cluster deployment)', () => {
  it('has Temporal on PostgreSQL, the Web UI, the worker and an SFTP server', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'worker', 'sftp'])
    );
    expect(services.postgresql!.image).toMatch(/^postgres:/);
    expect(services.temporal!.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  });

  it('wires the UI and the worker to the Temporal frontend, and starts things in order', () => {
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services.worker!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services.temporal!.ports).toContain('7233:7233');
    expect(Object.keys(services.temporal!.depends_on!)).toEqual(['temporal-schema']);
    expect(Object.keys(services['temporal-schema']!.depends_on!)).toEqual(['postgresql']);
    expect(Object.keys(services.worker!.depends_on!)).toEqual(expect.arrayContaining(['temporal-setup', 'sftp']));
  });

  it('registers every search attribute the workflows write', () => {
    const setup = (services['temporal-setup']!.command ?? []).join('\n');
    for (const key of SEARCH_ATTRIBUTE_KEYS) expect(setup).toContain(`--name ${key.name} --type Keyword`);
  });

  it('builds the worker from the Dockerfile and runs `acs-d365 worker`', () => {
    expect(services.worker!.build).toBe('.');
    expect(services.worker!.command).toEqual(['worker', '--config', '/config/acs-d365.yaml']);
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('RUN npm ci');
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/acs-d365.js"]');
  });

  it('takes every secret from the environment or a secrets file, never literally', () => {
    const env = services.worker!.environment!;
    for (const name of ['D365_CLIENT_SECRET', 'CAMPAIGN_CLIENT_SECRET'])
      expect(env[name]).toMatch(/^\$\{[A-Z0-9_]+:\?/);
    expect(env.CAMPAIGN_SFTP_KEY_FILE).toBe('/run/secrets/campaign_sftp_key');
    expect(services.worker!.secrets).toEqual(['campaign_sftp_key']);
    expect(Object.keys(compose.secrets)).toEqual(['campaign_sftp_key']);
    expect(services.postgresql!.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD/);
  });
});
