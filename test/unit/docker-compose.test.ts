import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';
import { PROJECT_ROOT } from '../harness/cli';

// Docker cannot run on our machines, so the deployment description is checked by reading it.
interface Service {
  image?: string;
  build?: string;
  restart?: string;
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  command?: string[];
  secrets?: string[];
}

const compose = YAML.parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  secrets: Record<string, unknown>;
  volumes: Record<string, unknown>;
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
    expect(services.temporal!.ports).toContain('${BIND_ADDRESS:-127.0.0.1}:7233:7233');
    expect(Object.keys(services.temporal!.depends_on!)).toEqual(['temporal-schema']);
    expect(Object.keys(services['temporal-schema']!.depends_on!)).toEqual(['postgresql']);
    expect(Object.keys(services.worker!.depends_on!)).toEqual(expect.arrayContaining(['temporal-setup', 'sftp']));
  });

  it('registers every search attribute the workflows write', () => {
    const setup = (services['temporal-setup']!.command ?? []).join('\n');
    const names = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name).join(' ');
    // Created, then checked: the job fails (and runs again) while one is missing.
    expect(setup.match(new RegExp(`for name in ${names}; do`, 'g'))).toHaveLength(2);
    expect(setup).toContain('search-attribute create -n default --name "$$name" --type Keyword'); // $$: compose's escape of $
  });

  it('builds the worker from the Dockerfile and runs `acs-d365 worker`', () => {
    expect(services.worker!.build).toBe('.');
    expect(services.worker!.command).toEqual(['worker', '--config', '/config/acs-d365.yaml']);
    // Node 20 reached its end of life in April 2026: both stages run the LTS line .ci/run also tests.
    expect(dockerfile.match(/^FROM node:(\d+)/gm)).toEqual(['FROM node:24', 'FROM node:24']);
    expect(readFileSync(path.join(PROJECT_ROOT, 'scripts', 'install-node-lts.sh'), 'utf8')).toContain(
      'NODE_LTS_LINE=24'
    );
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

  it('publishes ports on 127.0.0.1 unless BIND_ADDRESS says otherwise', () => {
    const published = Object.values(services).flatMap((service) => service.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:\d+:\d+$/);
  });

  it('runs the Temporal server and UI versions the tests run', () => {
    const installer = readFileSync(path.join(PROJECT_ROOT, 'scripts', 'install-temporal.sh'), 'utf8');
    const [, server, ui] = /Server (\d+\.\d+), UI (\d+\.\d+)/.exec(installer) ?? [];
    expect(services.temporal!.image).toMatch(new RegExp(`^temporalio/server:${server!.replace('.', '\\.')}\\.`));
    expect(services['temporal-schema']!.image).toBe(services.temporal!.image!.replace('server', 'admin-tools'));
    expect(services['temporal-setup']!.image).toBe(services['temporal-schema']!.image);
    expect(services['temporal-ui']!.image).toMatch(new RegExp(`^temporalio/ui:${ui!.replace('.', '\\.')}\\.`));
  });

  it('gives the Temporal server its dynamic config file', () => {
    const env = services.temporal!.environment!;
    const mount = (services.temporal!.volumes ?? []).find((volume) =>
      volume.includes('/etc/temporal/config/dynamicconfig')
    );
    const [hostDir] = (mount ?? '').split(':');
    const file = path.basename(env.DYNAMIC_CONFIG_FILE_PATH ?? '');
    expect(env.DYNAMIC_CONFIG_FILE_PATH).toBe(`config/dynamicconfig/${file}`);
    const text = readFileSync(path.join(PROJECT_ROOT, hostDir!, file), 'utf8');
    expect(YAML.parse(text)).toEqual(expect.objectContaining({ 'limit.maxIDLength': expect.any(Array) as unknown }));
  });

  it('retries the one-shot setup jobs until they succeed, and fails setup when a search attribute is missing', () => {
    expect(services['temporal-schema']!.restart).toBe('on-failure');
    expect(services['temporal-setup']!.restart).toBe('on-failure');
    expect((services['temporal-setup']!.command ?? []).join('\n')).toContain('search-attribute list');
  });

  it("keeps the reports in a volume the image's node user owns", () => {
    expect(services.worker!.volumes).toContain('reports:/app/reports');
    expect(Object.keys(compose.volumes)).toContain('reports');
    expect(dockerfile).toMatch(
      /WORKDIR \/app[\s\S]*RUN mkdir -p \/app\/reports && chown node:node \/app\/reports\nUSER node/
    );
    // reports.folder defaults to ./reports: under the WORKDIR, i.e. that volume.
    expect(readFileSync(path.join(PROJECT_ROOT, 'src', 'config', 'schema.ts'), 'utf8')).toContain(
      "folder: nonEmpty.default('./reports')"
    );
  });

  it('lets CLI commands run in the worker service with its configuration', () => {
    expect(services.worker!.environment!.ACS_D365_CONFIG).toBe('/config/acs-d365.yaml');
    expect(services.worker!.volumes).toContain('./acs-d365.yaml:/config/acs-d365.yaml:ro');
  });

  it.each(['.gitignore', '.dockerignore'])("%s keeps a deployment's own files out", (file) => {
    const lines = readFileSync(path.join(PROJECT_ROOT, file), 'utf8').split('\n');
    for (const entry of ['.env', 'secrets', 'acs-d365.yaml', 'reports']) {
      expect(lines.some((line) => line.replace(/^\//, '').replace(/\/$/, '') === entry)).toBe(true);
    }
  });
});
