import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { chunkRowsNotes } from '../../src/config/chunk-rows';
import { loadConfigFile, parseConfig, validateConfig } from '../../src/config/load';

const exampleText = readFileSync(path.join(__dirname, '..', '..', 'config', 'example.yaml'), 'utf8');

/** A fresh copy of the example, as a plain object, to break one thing at a time. */
function example(): Record<string, any> {
  return YAML.parse(exampleText) as Record<string, any>;
}

function problemsOf(input: unknown): string[] {
  const result = validateConfig(input);
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('config validate', () => {
  it('accepts the example and applies defaults', () => {
    const result = parseConfig(exampleText);
    if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    expect(result.config.ingress.map((mapping) => mapping.name)).toEqual(['contacts', 'subscriptions']);
    expect(result.config.ingress[1]!.initialTransfer).toEqual({
      fileThreshold: 500_000,
      chunkRows: 100_000,
      importTimeout: '6h',
    });
    expect(result.config.ingress[1]!.picklists).toBe('label');
    expect(result.config.ingress[0]!.fields[3]!.applyUpdates).toBe(false);
    expect(result.config.ingress[0]!.fields[0]!.applyUpdates).toBe(true);
    expect(result.config.dynamics.authorityHost).toBe('https://login.microsoftonline.com');
    expect(result.config.campaign.imsUrl).toBe('https://ims-na1.adobelogin.com/ims/token/v3');
  });

  const broken: [name: string, change: (config: Record<string, any>) => void, expected: string][] = [
    ['a missing field target', (c) => delete c.ingress[0].fields[2].to, 'ingress[0].fields[2].to: required'],
    ['a missing dynamics block', (c) => delete c.dynamics, 'dynamics: required'],
    ['an unknown top-level key', (c) => (c.ingres = []), 'ingres: unknown key (did you mean ingress?)'],
    [
      'an unknown nested key',
      (c) => (c.ingress[0].fields[0].aplyUpdates = false),
      'ingress[0].fields[0].aplyUpdates: unknown key (did you mean applyUpdates?)',
    ],
    [
      'a secret written in place of its variable name',
      (c) => (c.dynamics.clientSecretEnv = 's3cr3t-Value!'),
      'dynamics.clientSecretEnv: must name an environment variable',
    ],
    [
      'a URL that is not one',
      (c) => (c.dynamics.url = 'contoso.crm.dynamics.com'),
      'dynamics.url: must be an http(s) URL',
    ],
    [
      'a page size over the D365 limit',
      (c) => (c.dynamics.pageSize = 10_000),
      'dynamics.pageSize: must be at most 5000',
    ],
    [
      'more concurrency than D365 allows',
      (c) => (c.dynamics.maxConcurrentRequests = 60),
      'dynamics.maxConcurrentRequests: must be at most 52',
    ],
    [
      'a port given as text',
      (c) => (c.campaign.sftp.port = 'twenty-two'),
      'campaign.sftp.port: must be a number, not text',
    ],
    [
      'SFTP with no way to log in',
      (c) => delete c.campaign.sftp.privateKeyEnv,
      'campaign.sftp: needs privateKeyEnv or passwordEnv',
    ],
    [
      'SFTP with two ways to log in',
      (c) => (c.campaign.sftp.passwordEnv = 'SFTP_PASSWORD'),
      'campaign.sftp: set privateKeyEnv or passwordEnv, not both',
    ],
    [
      'a relative SFTP root',
      (c) => (c.campaign.sftp.root = 'd365_loads'),
      'campaign.sftp.root: must be an absolute path',
    ],
    [
      'a malformed host key fingerprint',
      (c) => (c.campaign.sftp.hostKeyFingerprints = ['MD5:aa:bb']),
      'campaign.sftp.hostKeyFingerprints[0]: must be a SHA256 fingerprint',
    ],
    [
      'no pinned host key',
      (c) => (c.campaign.sftp.hostKeyFingerprints = []),
      'campaign.sftp.hostKeyFingerprints: must pin at least one host key',
    ],
    [
      'a bad interval',
      (c) => (c.ingress[0].every = 'often'),
      'ingress[0].every: must be a duration like 30s, 5m, 1h or 1d',
    ],
    [
      'an unknown Campaign resource',
      (c) => (c.ingress[1].to = 'subscription'),
      'ingress[1].to: must be profile or a custom resource name starting with cus',
    ],
    [
      'a profile keyed on something else than externalId',
      (c) => (c.ingress[0].key.to = 'email'),
      'ingress[0].key.to: must be externalId when writing to profile',
    ],
    [
      'two fields writing the same target',
      (c) => (c.ingress[0].fields[1].to = 'firstName'),
      'ingress[0].fields[1].to: "firstName" is already written by fields[0]',
    ],
    [
      'a field that overwrites the key',
      (c) => (c.ingress[0].fields[0].to = 'externalId'),
      'ingress[0].fields[0].to: "externalId" is the key',
    ],
    ['no fields at all', (c) => (c.ingress[0].fields = []), 'ingress[0].fields: must map at least one field'],
    [
      'a Temporal client certificate without its key',
      (c) => (c.temporal.tls = { certFile: '/etc/acs/client.pem' }),
      'temporal.tls: set certFile and keyFile together (a client certificate and its key)',
    ],
    [
      'an uppercase D365 column',
      (c) => (c.ingress[0].fields[0].from = 'FirstName'),
      'ingress[0].fields[0].from: must be a D365 logical name',
    ],
    [
      'an unknown filter operator',
      (c) => (c.ingress[0].filter.rules[0].op = 'equals'),
      'ingress[0].filter.rules[0].op: must be one of "eq", "ne"',
    ],
    [
      'a comparison without a value',
      (c) => delete c.ingress[0].filter.rules[0].value,
      'ingress[0].filter.rules[0].value: required for op eq',
    ],
    [
      'a null test with a value',
      (c) => (c.ingress[0].filter.rules[0].op = 'null'),
      'ingress[0].filter.rules[0].value: must be absent for op null',
    ],
    [
      'a text operator with a number',
      (c) => (c.ingress[0].filter.rules[0].op = 'contains'),
      'ingress[0].filter.rules[0].value: must be text for op contains',
    ],
    [
      'an unknown picklist mode',
      (c) => (c.ingress[0].picklists = 'text'),
      'ingress[0].picklists: must be one of "label", "value"',
    ],
    [
      'chunks larger than the file threshold',
      (c) => (c.ingress[0].initialTransfer.chunkRows = 600_000),
      'ingress[0].initialTransfer.chunkRows: must not exceed fileThreshold (500000)',
    ],
    [
      'a negative threshold',
      (c) => (c.ingress[0].initialTransfer.fileThreshold = -1),
      'ingress[0].initialTransfer.fileThreshold: must be greater than 0',
    ],
    [
      'a fractional chunk size',
      (c) => (c.ingress[0].initialTransfer.chunkRows = 10.5),
      'ingress[0].initialTransfer.chunkRows: must be a whole number',
    ],
    [
      'two mappings with one name',
      (c) => (c.ingress[1].name = 'contacts'),
      'ingress[1].name: "contacts" is already used by ingress[0]',
    ],
    [
      'a mapping name unfit for workflow ids',
      (c) => (c.ingress[0].name = 'My Contacts'),
      'ingress[0].name: must be lowercase letters, digits and dashes',
    ],
    ['a $batch over the D365 limit', (c) => (c.egress.batchSize = 5000), 'egress.batchSize: must be at most 1000'],
    [
      'too many event files at once',
      (c) => (c.egress.filesInParallel = 17),
      'egress.filesInParallel: must be at most 16',
    ],
    [
      'an event switch that is not a boolean',
      (c) => (c.egress.events.open = 'yes'),
      'egress.events.open: must be true or false, not text',
    ],
    ['an owner that is not a GUID', (c) => (c.egress.ownerId = 'marketing-app'), 'egress.ownerId: must be a GUID'],
    [
      'an unknown bounce type',
      (c) => (c.egress.bounceTypes = ['hard', 'permanent']),
      'egress.bounceTypes[1]: must be one of "hard", "soft", "ignored"',
    ],
    [
      'an unknown opt-out mode',
      (c) => (c.optOut.mode = 'both'),
      'optOut.mode: must be one of "disabled", "d365-to-campaign"',
    ],
    [
      'an opt-out attribute Campaign does not have',
      (c) => (c.optOut.pairs[0].campaign = 'denyListSms'),
      'optOut.pairs[0].campaign: must be one of "denyList"',
    ],
    [
      'an opt-out mode with no pairs',
      (c) => (c.optOut.pairs = []),
      'optOut.pairs: mode bidirectional needs at least one pair',
    ],
    [
      'a Campaign attribute paired twice',
      (c) => (c.optOut.pairs[1].campaign = 'denyListEmail'),
      'optOut.pairs[1].campaign: denyListEmail is already paired in optOut.pairs[0]',
    ],
    [
      'an ingress mapping writing a Campaign opt-out attribute the opt-out flow writes back (API name)',
      (c) => addContactField(c, { from: 'donotbulkemail', to: 'blackListEmail' }),
      'ingress[0].fields[5].to: blackListEmail is the Campaign opt-out attribute denyListEmail, which the opt-out flow copies to D365 (optOut.pairs[0], mode bidirectional)',
    ],
    [
      'an ingress mapping writing a Campaign opt-out attribute the opt-out flow writes back (UI name)',
      (c) => {
        c.optOut.mode = 'campaign-to-d365';
        addContactField(c, { from: 'donotemail', to: 'denyList' });
      },
      'ingress[0].fields[5].to: denyList is the Campaign opt-out attribute denyList, which the opt-out flow copies to D365 (optOut.pairs[1], mode campaign-to-d365)',
    ],
    [
      'no flow at all',
      (c) => {
        c.ingress = [];
        delete c.egress;
        delete c.optOut;
      },
      '(root): configures no flow',
    ],
    [
      'a metrics address with a host name (the exporter binds an IP address)',
      (c) => (c.worker = { metricsAddress: 'localhost:9464' }),
      'worker.metricsAddress: must be an IP address and a port, like 0.0.0.0:9464',
    ],
    [
      'a metrics address without a port',
      (c) => (c.worker = { metricsAddress: '0.0.0.0' }),
      'worker.metricsAddress: must be an IP address and a port',
    ],
    [
      'a metrics port out of range',
      (c) => (c.worker = { metricsAddress: '127.0.0.1:70000' }),
      'worker.metricsAddress: must be an IP address and a port',
    ],
    [
      'an IPv6 metrics address without brackets',
      (c) => (c.worker = { metricsAddress: '::1:9464' }),
      'worker.metricsAddress: must be an IP address and a port',
    ],
    [
      'a grace time that is not a duration',
      (c) => (c.worker = { shutdownGraceTime: 30 }),
      'worker.shutdownGraceTime: ',
    ],
    [
      'a list where a mapping belongs',
      (c) => (c.campaign = ['organization']),
      'campaign: must be a mapping (key: value), not a list',
    ],
  ];

  it.each(broken)('rejects %s, naming the path and the reason', (_name, change, expected) => {
    const config = example();
    change(config);
    expect(problemsOf(config)).toContainEqual(expect.stringMatching(new RegExp(`^${escapeRegExp(expected)}`)));
  });

  it.each([
    ['d365-to-campaign', 'blackListEmail'],
    ['disabled', 'blackListEmail'],
    ['bidirectional', 'blackListFax'],
  ])('lets ingress write an opt-out attribute when opt-out mode %s never writes %s to D365', (mode, field) => {
    const config = example();
    config.optOut.mode = mode;
    addContactField(config, { from: 'donotfax', to: field });
    expect(problemsOf(config)).toEqual([]);
  });

  it('leaves metrics off and gives running activities 30s on SIGTERM unless told otherwise', () => {
    const result = validateConfig(example());
    if (!result.ok) throw new Error('the example is invalid');
    expect(result.config.worker).toEqual({ shutdownGraceTime: '30s' });
  });

  it.each(['0.0.0.0:9464', '127.0.0.1:1', '[::]:9464', '[::1]:65535'])('accepts the metrics address %s', (address) => {
    const config = example();
    config.worker = { metricsAddress: address, shutdownGraceTime: '2m' };
    expect(problemsOf(config)).toEqual([]);
  });

  it('reports every problem at once, not only the first', () => {
    const config = example();
    delete config.ingress[0].fields[2].to;
    config.dynamics.pageSize = 0;
    config.egress.every = 'soon';
    expect(problemsOf(config)).toEqual(
      expect.arrayContaining([
        'ingress[0].fields[2].to: required',
        'dynamics.pageSize: must be greater than 0',
        'egress.every: must be a duration like 30s, 5m, 1h or 1d',
      ])
    );
  });

  it('never echoes the value of a mistyped field (it could be a pasted secret)', () => {
    const config = example();
    config.dynamics.clientSecretEnv = 'hunter2-SECRET';
    config.campaign.sftp.port = 'p4ssw0rd';
    const text = problemsOf(config).join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('p4ssw0rd');
  });

  it.each([
    ['broken YAML', 'dynamics: [unclosed', /^line 1, column \d+: not valid YAML/],
    ['a duplicate key', 'optOut: {}\noptOut: {}\n', /^line 2, column 1: not valid YAML: Map keys must be unique/],
    ['an empty file', '', /^\(root\): the file is empty; start from config\/example\.yaml/],
  ])('rejects %s with the line', (_name, text, expected) => {
    const result = parseConfig(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(`${result.problems[0]!.path}: ${result.problems[0]!.message}`).toMatch(expected);
  });
});

/** Adds a field to the example's contact mapping (ingress[0], which has five fields). */
function addContactField(config: Record<string, any>, field: { from: string; to: string }): void {
  (config.ingress[0].fields as unknown[]).push(field);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('oversized configuration input', () => {
  it('refuses a huge value by its path, without repeating it', () => {
    const huge = 'planted-config-value-' + 'x'.repeat(70_000);
    const result = parseConfig(exampleText.replace(/(organization:\s*)\S+/, `$1${huge}`));
    expect(result.ok).toBe(false);
    const text = JSON.stringify(result);
    expect(text).toContain('"path":"campaign.organization"');
    expect(text).toContain('characters long; a value is at most 65536');
    expect(text).not.toContain('planted-config-value');
    expect(text.length).toBeLessThan(500);
  });

  it('refuses a file over 1 MiB before reading it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acs-config-'));
    const file = path.join(dir, 'big.yaml');
    writeFileSync(file, exampleText.replace(/(organization:\s*)\S+/, `$1${'o'.repeat(20_000_000)}`));
    try {
      const result = await loadConfigFile(file);
      expect(result).toEqual({
        ok: false,
        problems: [
          {
            path: file,
            message: expect.stringMatching(
              /^the configuration file is 2\d{7} bytes; a configuration file is at most 1048576 bytes/
            ),
          },
        ],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config validate: notes on a valid file', () => {
  const rounded = (from: number, to: number, pageSize: number): string =>
    `ingress[0].initialTransfer.chunkRows: ${from} is rounded up to ${to} rows per chunk: a chunk ends at a D365 ` +
    `page boundary (dynamics.pageSize ${pageSize}); set a multiple of the page size to choose the size yourself`;
  it.each([
    [2_000, 5_000, [rounded(2_000, 5_000, 5_000)]],
    [12_000, 5_000, [rounded(12_000, 15_000, 5_000)]],
    [10_000, 5_000, []],
    [300, 100, []],
  ])('chunkRows %p with pageSize %p', (chunkRows, pageSize, expected) => {
    const config = example();
    config.dynamics.pageSize = pageSize;
    config.ingress = [{ ...config.ingress[0], initialTransfer: { fileThreshold: 100_000, chunkRows } }];
    const result = validateConfig(config);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(chunkRowsNotes(result.config).map((note) => `${note.path}: ${note.message}`)).toEqual(expected);
  });
});
