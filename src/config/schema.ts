import { isIP } from 'node:net';
import { z } from 'zod';
import { isDuration } from './duration';

/**
 * The configuration file's shape (DESIGN.md §5). Every object is strict: an unknown key is an error, so that a typo
 * never silently disables a setting. Cross-field rules live in rules.ts.
 */

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const D365_LOGICAL_NAME = /^[a-z_][a-z0-9_]*$/;
const CAMPAIGN_FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAPPING_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The eight out-of-the-box Campaign opt-out attributes the D365 integration may sync (UI names). */
export const CAMPAIGN_OPT_OUT_ATTRIBUTES = [
  'denyList',
  'denyListEmail',
  'denyListFax',
  'denyListMobile',
  'denyListPhone',
  'denyListPostalMail',
  'denyListPushnotification',
  'ccpaOptOut',
] as const;

export const OPT_OUT_MODES = ['disabled', 'd365-to-campaign', 'campaign-to-d365', 'bidirectional'] as const;

export const FILTER_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'contains',
  'startswith',
  'endswith',
  'null',
  'notnull',
] as const;

const envName = z
  .string()
  .regex(ENV_NAME, 'must name an environment variable, like D365_CLIENT_SECRET (secrets never go in this file)');
const duration = z.string().refine(isDuration, 'must be a duration like 30s, 5m, 1h or 1d');
const d365Name = z.string().regex(D365_LOGICAL_NAME, 'must be a D365 logical name (lowercase, like emailaddress1)');
const campaignField = z.string().regex(CAMPAIGN_FIELD_NAME, 'must be a Campaign field name, like firstName');
const httpsUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const nonEmpty = z.string().min(1, 'must not be empty');
const positiveInt = z.number().int('must be a whole number').positive('must be greater than 0');
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const dynamicsSchema = z.strictObject({
  /** Organization URL, e.g. https://contoso.crm.dynamics.com. */
  url: httpsUrl,
  tenantId: nonEmpty,
  clientId: nonEmpty,
  clientSecretEnv: envName,
  /** Entra ID authority host. */
  authorityHost: httpsUrl.default('https://login.microsoftonline.com'),
  /** In-flight requests at once; D365 allows 52 per user. */
  maxConcurrentRequests: positiveInt.max(52, 'must be at most 52 (the D365 per-user concurrency limit)').default(16),
  /** PEM file of extra CA certificates to trust (a TLS-inspecting proxy; the sandbox's simulator). */
  caFile: nonEmpty.optional(),
  /** Rows per page (Prefer: odata.maxpagesize). */
  pageSize: positiveInt.max(5000, 'must be at most 5000 (the D365 page limit)').default(5000),
});

const sftpSchema = z.strictObject({
  host: nonEmpty,
  port: positiveInt.max(65535, 'must be a TCP port (1-65535)').default(22),
  username: nonEmpty,
  privateKeyEnv: envName.optional(),
  passwordEnv: envName.optional(),
  /**
   * Pinned host keys, `SHA256:<base64>` as `ssh-keygen -lf` prints them (list the new key too while the server's key
   * is being rotated). A server presenting any other key is refused: there is no trust on first use.
   */
  hostKeyFingerprints: z
    .array(
      z
        .string()
        .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be a SHA256 fingerprint, like SHA256:abc... (ssh-keygen -lf)')
    )
    .min(1, 'must pin at least one host key (ssh-keyscan -p <port> <host> | ssh-keygen -lf -)'),
  /** Folder on the Campaign storage that this integration uses. */
  root: z.string().startsWith('/', 'must be an absolute path, like /d365_loads').default('/'),
});

const campaignSchema = z.strictObject({
  /** The Adobe organization id used in API URLs (https://mc.adobe.io/<organization>/campaign). */
  organization: nonEmpty,
  /** The Adobe I/O client id; it is also the X-Api-Key. */
  clientId: nonEmpty,
  clientSecretEnv: envName,
  /** API base; defaults to https://mc.adobe.io/<organization>/campaign. */
  baseUrl: httpsUrl.optional(),
  imsUrl: httpsUrl.default('https://ims-na1.adobelogin.com/ims/token/v3'),
  maxConcurrentRequests: positiveInt.max(100, 'must be at most 100').default(8),
  sftp: sftpSchema,
});

const encryptionKeyId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores, like 2026-11');

const temporalSchema = z.strictObject({
  /**
   * A profile of the Temporal CLI's TOML configuration (TEMPORAL_CONFIG_FILE or ~/.config/temporalio/temporal.toml)
   * for what this block leaves out: address, namespace, API key, TLS. @default TEMPORAL_PROFILE, else `default`
   */
  profile: nonEmpty.optional(),
  /** @default the profile's, else localhost:7233 */
  address: nonEmpty.optional(),
  /** @default the profile's, else default */
  namespace: nonEmpty.optional(),
  taskQueue: nonEmpty.default('acs-d365-sync'),
  /**
   * Names this deployment when several share one namespace: its workflow ids start with `<deployment>/`
   * (`eu/ingress:contacts`). Absent: the ids are the flow names themselves.
   */
  deployment: z.string().regex(MAPPING_NAME, 'must be lowercase letters, digits and dashes, like eu').optional(),
  /** Temporal Cloud API key, by environment variable name. */
  apiKeyEnv: envName.optional(),
  /**
   * TLS to the Temporal frontend (on when this block is present, even empty): paths of PEM files. `certFile` and
   * `keyFile` (both or neither) add a client certificate (mTLS); `caFile` trusts a private CA.
   */
  tls: z
    .strictObject({
      certFile: nonEmpty.optional(),
      keyFile: nonEmpty.optional(),
      caFile: nonEmpty.optional(),
      serverName: nonEmpty.optional(),
    })
    .optional(),
  /**
   * Payload encryption (AES-256-GCM) of workflow inputs, results, memos and failure messages. Off when absent. Keep a
   * retired key listed as long as histories encrypted with it are kept; `currentKeyId` encrypts new payloads.
   */
  encryption: z
    .strictObject({
      currentKeyId: encryptionKeyId,
      keys: z
        .array(
          z.strictObject({
            /** Stored in each payload's metadata; never reuse an id for another key. */
            id: encryptionKeyId,
            /** Environment variable holding the 32-byte key in base64 (`openssl rand -base64 32`), or `<NAME>_FILE`. */
            keyEnv: envName,
          })
        )
        .min(1, 'must list at least one key'),
    })
    .optional(),
});

const fieldSchema = z.strictObject({
  from: d365Name,
  to: campaignField,
  /** Off: written on the initial transfer and on replay only, never by incremental passes. */
  applyUpdates: z.boolean().default(true),
  /**
   * The field is a Campaign link, and `from` a D365 lookup: names the ingress mapping that writes the linked records
   * (their key is found by that mapping's `key.to` / `key.campaignFilter`). Its records are written first: the initial
   * transfer waits for that mapping's, and a record whose linked record is not in Campaign yet waits for a later pass.
   */
  link: z.string().regex(MAPPING_NAME, 'must name an ingress mapping, like loyalty-programs').optional(),
});

const replacementSchema = z.strictObject({
  field: d365Name,
  from: scalar,
  to: z.union([scalar, z.null()]),
});

const filterRuleSchema = z.strictObject({
  field: d365Name,
  op: z.enum(FILTER_OPERATORS),
  value: scalar.optional(),
});

const filterSchema = z.strictObject({
  match: z.enum(['all', 'any']).default('all'),
  rules: z.array(filterRuleSchema).min(1, 'must list at least one rule'),
  /** Delete from Campaign the records that stop matching the filter. */
  deleteFilteredOut: z.boolean().default(false),
});

const initialTransferSchema = z.strictObject({
  /** Tables with more rows than this go by file (CSV on the Campaign SFTP) instead of the API. */
  fileThreshold: positiveInt.default(500_000),
  /** Rows per CSV chunk file. */
  chunkRows: positiveInt.default(100_000),
  /** Internal name of the Campaign import workflow (e.g. WKF12); needed for tables over fileThreshold. */
  importWorkflow: nonEmpty.optional(),
  /** How long to wait for the Campaign import workflow to finish. */
  importTimeout: duration.default('6h'),
});

const ingressMappingSchema = z.strictObject({
  /** Used in workflow ids (ingress:<name>): lowercase letters, digits and dashes. */
  name: z.string().regex(MAPPING_NAME, 'must be lowercase letters, digits and dashes, like contacts'),
  /** D365 table (logical name). */
  from: d365Name,
  /** Campaign resource: `profile`, or a custom resource (`cus...`). */
  to: z.string().regex(/^(profile|cus[A-Za-z0-9_]+)$/, 'must be profile or a custom resource name starting with cus'),
  key: z.strictObject({
    from: d365Name,
    to: campaignField,
    /**
     * The Campaign filter that finds a record by this key, called with the parameter `<to>_parameter`
     * (e.g. `byExternalId?externalId_parameter=…`). A Campaign administrator defines it on the resource.
     * @default `by` + the key field with a capital first letter
     */
    campaignFilter: z
      .string()
      .regex(/^by[A-Za-z0-9_]+$/, 'must be a Campaign filter name, like byExternalId')
      .optional(),
  }),
  fields: z.array(fieldSchema).min(1, 'must map at least one field'),
  replacements: z.array(replacementSchema).default([]),
  filter: filterSchema.optional(),
  /** Apply D365 deletes to Campaign. */
  deletes: z.boolean().default(false),
  /** Write picklist (choice) columns as their label or their numeric value. */
  picklists: z.enum(['label', 'value']).default('label'),
  every: duration.default('5m'),
  initialTransfer: initialTransferSchema.default({ fileThreshold: 500_000, chunkRows: 100_000, importTimeout: '6h' }),
});

const egressSchema = z.strictObject({
  events: z
    .strictObject({
      send: z.boolean().default(true),
      open: z.boolean().default(true),
      click: z.boolean().default(true),
      bounce: z.boolean().default(true),
    })
    .default({ send: true, open: true, click: true, bounce: true }),
  /** Which bounce types become activities. */
  bounceTypes: z
    .array(z.enum(['hard', 'soft', 'ignored']))
    .min(1, 'must list at least one bounce type')
    .default(['hard']),
  every: duration.default('15m'),
  /** Folder of the event export files, under campaign.sftp.root. */
  sourceFolder: nonEmpty.default('exports/events'),
  /** Operations per D365 $batch request. */
  batchSize: positiveInt.max(1000, 'must be at most 1000 (the D365 $batch limit)').default(200),
  /**
   * Event files applied at once, each by its own activity, so that every worker of the task queue can take one (and
   * a worker that dies holds up one file, not the pass). D365 throughput is the application user's budget, shared.
   */
  filesInParallel: positiveInt.max(16, 'must be at most 16').default(4),
  /** D365 systemuserid of the application user that owns the activities. */
  ownerId: z.string().regex(GUID, 'must be a GUID (the systemuserid of the application user)').optional(),
  /** A follow-up task on each click and bounce, as Adobe's integration offers; on unless switched off. */
  followUpTasks: z
    .strictObject({
      click: z.boolean().default(true),
      bounce: z.boolean().default(true),
      dueInDays: positiveInt.max(365, 'must be at most 365').default(3),
    })
    .default({ click: true, bounce: true, dueInDays: 3 }),
});

const optOutSchema = z.strictObject({
  mode: z.enum(OPT_OUT_MODES),
  every: duration.default('1h'),
  /** Folder of the opt-out export files, under campaign.sftp.root. */
  sourceFolder: nonEmpty.default('exports/optouts'),
  pairs: z
    .array(
      z.strictObject({
        campaign: z.enum(CAMPAIGN_OPT_OUT_ATTRIBUTES),
        dynamics: d365Name,
      })
    )
    .default([]),
});

const verifySchema = z.strictObject({
  /** How often the verify manager checks that D365 and Campaign agree (`acs-d365 verify` on an interval). */
  every: duration.default('1d'),
  /** Records changed this long before a verify started count as pending, not drift. */
  quiet: duration.optional(),
});

/** `<ip>:<port>` (`[<ipv6>]:<port>`): the SDK's Prometheus exporter binds an address, not a host name. */
function isListenAddress(text: string): boolean {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!match) return false;
  const port = Number(match[3]);
  return (match[1] ? isIP(match[1]) === 6 : isIP(match[2] ?? '') === 4) && port >= 1 && port <= 65535;
}

const workerSchema = z.strictObject({
  /**
   * Serve Prometheus metrics (the Temporal SDK's and the flows') at `http://<address>/metrics`; off when absent.
   * An IP address and a port: `0.0.0.0:9464` in a container, `127.0.0.1:9464` for this machine only.
   */
  metricsAddress: z
    .string()
    .refine(isListenAddress, 'must be an IP address and a port, like 0.0.0.0:9464 or 127.0.0.1:9464')
    .optional(),
  /**
   * On SIGTERM the worker stops polling and lets running activities finish for this long; then it cancels them (they
   * are retried on another worker) and exits. Give the process manager a longer stop timeout than this.
   */
  shutdownGraceTime: duration.default('30s'),
});

export const configSchema = z.strictObject({
  dynamics: dynamicsSchema,
  campaign: campaignSchema,
  temporal: temporalSchema.default({ taskQueue: 'acs-d365-sync' }),
  ingress: z.array(ingressMappingSchema).default([]),
  egress: egressSchema.optional(),
  optOut: optOutSchema.optional(),
  verify: verifySchema.optional(),
  /** Where rejects and audit reports are written. */
  reports: z
    .strictObject({
      /** Local folder of the worker. */
      folder: nonEmpty.default('./reports'),
      /** Also publish each report to this folder of the Campaign SFTP (relative to campaign.sftp.root). */
      sftpFolder: nonEmpty.optional(),
    })
    .default({ folder: './reports' }),
  /** The worker process: metrics endpoint and shutdown. */
  worker: workerSchema.default({ shutdownGraceTime: '30s' }),
});

/** A validated configuration, defaults applied. */
export type Config = z.output<typeof configSchema>;
/** What a configuration file may contain (defaults not yet applied). */
export type ConfigInput = z.input<typeof configSchema>;
export type IngressMapping = Config['ingress'][number];
