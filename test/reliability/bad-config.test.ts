import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { validateConfig } from '../../src/config/load';

const exampleText = readFileSync(path.join(__dirname, '..', '..', 'config', 'example.yaml'), 'utf8');

/** A change that breaks one thing in a copy of config/example.yaml. */
type BreakConfig = (config: Record<string, any>) => void;

/**
 * Malformed configurations, none of them among the 41 of test/unit/config-validate.test.ts: each is refused before
 * anything starts, with exactly one problem, printed as `<path>: <reason>` (what `acs-d365 config validate` prints).
 */
const BROKEN: [name: string, change: BreakConfig, printed: string][] = [
  ['an empty tenant id', (c) => (c.dynamics.tenantId = ''), 'dynamics.tenantId: must not be empty'],
  ['a missing D365 client id', (c) => delete c.dynamics.clientId, 'dynamics.clientId: required'],
  [
    'an authority host without scheme',
    (c) => (c.dynamics.authorityHost = 'login.microsoftonline.com'),
    'dynamics.authorityHost: must be an http(s) URL',
  ],
  [
    'zero D365 concurrency',
    (c) => (c.dynamics.maxConcurrentRequests = 0),
    'dynamics.maxConcurrentRequests: must be greater than 0',
  ],
  ['a fractional page size', (c) => (c.dynamics.pageSize = 12.5), 'dynamics.pageSize: must be a whole number'],
  ['an empty CA file', (c) => (c.dynamics.caFile = ''), 'dynamics.caFile: must not be empty'],
  ['a misspelt D365 key', (c) => (c.dynamics.tenant = 'x'), 'dynamics.tenant: unknown key (did you mean tenantId?)'],
  [
    'the D365 block as text',
    (c) => (c.dynamics = 'https://contoso.crm.dynamics.com'),
    'dynamics: must be a mapping (key: value), not text',
  ],
  ['a missing organization', (c) => delete c.campaign.organization, 'campaign.organization: required'],
  ['an empty Campaign client id', (c) => (c.campaign.clientId = ''), 'campaign.clientId: must not be empty'],
  [
    'a Campaign secret written in place',
    (c) => (c.campaign.clientSecretEnv = 'p4ss word'),
    'campaign.clientSecretEnv: must name an environment variable, like D365_CLIENT_SECRET (secrets never go in this file)',
  ],
  [
    'a Campaign base URL without scheme',
    (c) => (c.campaign.baseUrl = 'mc.adobe.io/contoso/campaign'),
    'campaign.baseUrl: must be an http(s) URL',
  ],
  [
    'an IMS URL that is a file',
    (c) => (c.campaign.imsUrl = 'file:///etc/passwd'),
    'campaign.imsUrl: must be an http(s) URL',
  ],
  [
    'too much Campaign concurrency',
    (c) => (c.campaign.maxConcurrentRequests = 101),
    'campaign.maxConcurrentRequests: must be at most 100',
  ],
  ['no SFTP block', (c) => delete c.campaign.sftp, 'campaign.sftp: required'],
  ['an empty SFTP host', (c) => (c.campaign.sftp.host = ''), 'campaign.sftp.host: must not be empty'],
  [
    'an SFTP port out of range',
    (c) => (c.campaign.sftp.port = 70000),
    'campaign.sftp.port: must be a TCP port (1-65535)',
  ],
  ['SFTP port zero', (c) => (c.campaign.sftp.port = 0), 'campaign.sftp.port: must be greater than 0'],
  ['no SFTP user', (c) => delete c.campaign.sftp.username, 'campaign.sftp.username: required'],
  [
    'a private key pasted in place',
    (c) => (c.campaign.sftp.privateKeyEnv = '-----BEGIN OPENSSH PRIVATE KEY-----'),
    'campaign.sftp.privateKeyEnv: must name an environment variable, like D365_CLIENT_SECRET (secrets never go in this file)',
  ],
  [
    'one fingerprint as text, not a list',
    (c) => (c.campaign.sftp.hostKeyFingerprints = 'SHA256:abc'),
    'campaign.sftp.hostKeyFingerprints: must be a list, not text',
  ],
  [
    'a second fingerprint cut short',
    (c) =>
      (c.campaign.sftp.hostKeyFingerprints = [
        'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
        'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NM',
      ]),
    'campaign.sftp.hostKeyFingerprints[1]: must be a SHA256 fingerprint, like SHA256:abc... (ssh-keygen -lf)',
  ],
  ['an empty Temporal address', (c) => (c.temporal.address = ''), 'temporal.address: must not be empty'],
  ['an empty namespace', (c) => (c.temporal.namespace = ''), 'temporal.namespace: must not be empty'],
  ['a task queue given as a number', (c) => (c.temporal.taskQueue = 5), 'temporal.taskQueue: must be text, not number'],
  [
    'a Temporal API key pasted in place',
    (c) => (c.temporal.apiKeyEnv = 'tmprl_abc.def'),
    'temporal.apiKeyEnv: must name an environment variable, like D365_CLIENT_SECRET (secrets never go in this file)',
  ],
  ['an empty TLS CA file', (c) => (c.temporal.tls = { caFile: '' }), 'temporal.tls.caFile: must not be empty'],
  [
    'encryption without keys',
    (c) => (c.temporal.encryption = { currentKeyId: 'k1', keys: [] }),
    'temporal.encryption.keys: must list at least one key',
  ],
  [
    'a current key that is not listed',
    (c) => (c.temporal.encryption = { currentKeyId: 'k2', keys: [{ id: 'k1', keyEnv: 'ACS_KEY_1' }] }),
    'temporal.encryption.currentKeyId: "k2" is not the id of any of temporal.encryption.keys (k1)',
  ],
  [
    'two keys with one id',
    (c) =>
      (c.temporal.encryption = {
        currentKeyId: 'k1',
        keys: [
          { id: 'k1', keyEnv: 'ACS_KEY_1' },
          { id: 'k1', keyEnv: 'ACS_KEY_2' },
        ],
      }),
    'temporal.encryption.keys[1].id: "k1" is already used by keys[0]',
  ],
  [
    'a key id with spaces',
    (c) => (c.temporal.encryption = { currentKeyId: 'k1', keys: [{ id: 'key one', keyEnv: 'ACS_KEY_1' }] }),
    'temporal.encryption.keys[0].id: must be 1-64 letters, digits, dots, dashes or underscores, like 2026-11',
  ],
  [
    'a key pasted in place of its variable',
    (c) => (c.temporal.encryption = { currentKeyId: 'k1', keys: [{ id: 'k1', keyEnv: 'q83vEjRWeJA=' }] }),
    'temporal.encryption.keys[0].keyEnv: must name an environment variable, like D365_CLIENT_SECRET (secrets never go in this file)',
  ],
  ['a mapping without a name', (c) => delete c.ingress[0].name, 'ingress[0].name: required'],
  [
    'a D365 table in display case',
    (c) => (c.ingress[0].from = 'Contact'),
    'ingress[0].from: must be a D365 logical name (lowercase, like emailaddress1)',
  ],
  ['a mapping without a key', (c) => delete c.ingress[0].key, 'ingress[0].key: required'],
  [
    'a key column in display case',
    (c) => (c.ingress[0].key.from = 'ContactId'),
    'ingress[0].key.from: must be a D365 logical name (lowercase, like emailaddress1)',
  ],
  [
    'a custom key that is not a field name',
    (c) => (c.ingress[1].key.to = 'd365-id'),
    'ingress[1].key.to: must be a Campaign field name, like firstName',
  ],
  [
    'a lookup filter without the by prefix',
    (c) => (c.ingress[1].key.campaignFilter = 'findByD365Id'),
    'ingress[1].key.campaignFilter: must be a Campaign filter name, like byExternalId',
  ],
  [
    'applyUpdates as text',
    (c) => (c.ingress[0].fields[0].applyUpdates = 'no'),
    'ingress[0].fields[0].applyUpdates: must be true or false, not text',
  ],
  [
    'a field target starting with a digit',
    (c) => (c.ingress[0].fields[1].to = '1stName'),
    'ingress[0].fields[1].to: must be a Campaign field name, like firstName',
  ],
  [
    'a replacement without its field',
    (c) => delete c.ingress[0].replacements[0].field,
    'ingress[0].replacements[0].field: required',
  ],
  [
    'an unknown filter match',
    (c) => (c.ingress[0].filter.match = 'some'),
    'ingress[0].filter.match: must be one of "all", "any"',
  ],
  [
    'a filter without rules',
    (c) => (c.ingress[0].filter.rules = []),
    'ingress[0].filter.rules: must list at least one rule',
  ],
  [
    'deleteFilteredOut as text',
    (c) => (c.ingress[0].filter.deleteFilteredOut = 'yes'),
    'ingress[0].filter.deleteFilteredOut: must be true or false, not text',
  ],
  ['deletes as a number', (c) => (c.ingress[0].deletes = 1), 'ingress[0].deletes: must be true or false, not number'],
  [
    'an import timeout in words',
    (c) => (c.ingress[0].initialTransfer.importTimeout = '6 hours'),
    'ingress[0].initialTransfer.importTimeout: must be a duration like 30s, 5m, 1h or 1d',
  ],
  [
    'an empty import workflow',
    (c) => (c.ingress[0].initialTransfer.importWorkflow = ''),
    'ingress[0].initialTransfer.importWorkflow: must not be empty',
  ],
  [
    'an interval of zero',
    (c) => (c.ingress[1].every = '0m'),
    'ingress[1].every: must be a duration like 30s, 5m, 1h or 1d',
  ],
  ['ingress as a mapping, not a list', (c) => (c.ingress = { contacts: {} }), 'ingress: must be a list, not a mapping'],
  [
    'a filter column in display case',
    (c) => (c.ingress[0].filter.rules[0].field = 'StateCode'),
    'ingress[0].filter.rules[0].field: must be a D365 logical name (lowercase, like emailaddress1)',
  ],
  ['an empty event folder', (c) => (c.egress.sourceFolder = ''), 'egress.sourceFolder: must not be empty'],
  ['no bounce types', (c) => (c.egress.bounceTypes = []), 'egress.bounceTypes: must list at least one bounce type'],
  [
    'a follow-up due in over a year',
    (c) => (c.egress.followUpTasks.dueInDays = 400),
    'egress.followUpTasks.dueInDays: must be at most 365',
  ],
  [
    'a follow-up due at once',
    (c) => (c.egress.followUpTasks.dueInDays = 0),
    'egress.followUpTasks.dueInDays: must be greater than 0',
  ],
  [
    'a follow-up switch as text',
    (c) => (c.egress.followUpTasks.click = 'true'),
    'egress.followUpTasks.click: must be true or false, not text',
  ],
  ['an empty $batch', (c) => (c.egress.batchSize = 0), 'egress.batchSize: must be greater than 0'],
  [
    'an event type Campaign does not export',
    (c) => (c.egress.events.sms = true),
    'egress.events.sms: unknown key (allowed: send, open, click, bounce)',
  ],
  [
    'an opt-out interval in words',
    (c) => (c.optOut.every = 'hourly'),
    'optOut.every: must be a duration like 30s, 5m, 1h or 1d',
  ],
  [
    'an opt-out column in display case',
    (c) => (c.optOut.pairs[0].dynamics = 'DoNotBulkEmail'),
    'optOut.pairs[0].dynamics: must be a D365 logical name (lowercase, like emailaddress1)',
  ],
  ['a pair without its D365 column', (c) => delete c.optOut.pairs[1].dynamics, 'optOut.pairs[1].dynamics: required'],
  [
    'a D365 column paired twice',
    (c) => (c.optOut.pairs[1].dynamics = 'donotbulkemail'),
    'optOut.pairs[1].dynamics: donotbulkemail is already paired in optOut.pairs[0]; each D365 column may be paired once',
  ],
  ['an empty opt-out folder', (c) => (c.optOut.sourceFolder = ''), 'optOut.sourceFolder: must not be empty'],
  ['an empty reports folder', (c) => (c.reports = { folder: '' }), 'reports.folder: must not be empty'],
  [
    'an empty reports SFTP folder',
    (c) => (c.reports = { folder: './reports', sftpFolder: '' }),
    'reports.sftpFolder: must not be empty',
  ],
  [
    'an unknown reports setting',
    (c) => (c.reports = { folder: './reports', format: 'csv' }),
    'reports.format: unknown key (allowed: folder, sftpFolder)',
  ],
];

describe('config validate refuses malformed configurations, naming the path and the reason', () => {
  it('has at least 50 distinct cases', () => {
    expect(BROKEN.length).toBeGreaterThanOrEqual(50);
    expect(new Set(BROKEN.map(([, , printed]) => printed)).size).toBe(BROKEN.length);
  });

  it.each(BROKEN)('refuses %s', (_name, change, printed) => {
    const config = YAML.parse(exampleText) as Record<string, unknown>;
    change(config);
    const result = validateConfig(config);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([printed]);
  });
});
