import { validateConfig } from '../config/load';
import { type Config, type ConfigInput } from '../config/schema';
import { type CustomResourceConfig } from './campaign/resource-model';

/** Endpoints of the local stack the sandbox configuration points at. */
export interface SandboxEndpoints {
  temporalAddress: string;
  dynamicsUrl: string;
  dynamicsAuthorityHost: string;
  dynamicsTenantId: string;
  dynamicsClientId: string;
  /** PEM file of the CA that signed the D365 simulator's certificate. */
  dynamicsCaFile: string;
  campaignBaseUrl: string;
  campaignImsUrl: string;
  sftpHost: string;
  sftpPort: number;
  sftpUsername: string;
  sftpHostKeyFingerprint: string;
  /** Absolute path of the folder the SFTP server serves (the sandbox's "Campaign storage"). */
  sftpRoot: string;
  /** Absolute path where the worker writes rejects and audit reports. */
  reportsFolder: string;
}

/** Test-only credentials the simulators accept; they are handed to the worker as its environment. */
export const SANDBOX_SECRETS = {
  SANDBOX_D365_CLIENT_SECRET: 'sandbox-d365-secret',
  SANDBOX_CAMPAIGN_CLIENT_SECRET: 'sandbox-campaign-secret',
} as const;

/**
 * The sandbox's custom resources in Campaign: loyalty programs, and memberships linked to a program (cardinality 1) and
 * to the contact's profile.
 */
export const SANDBOX_CUSTOM_RESOURCES: CustomResourceConfig[] = [
  {
    name: 'cusLoyaltyProgram',
    fields: {
      programId: { type: 'string', maxLength: 40 },
      label: { type: 'string', maxLength: 100 },
      pointsRate: { type: 'integer' },
    },
    identificationKey: ['programId'],
    filters: { byProgramId: { programId_parameter: 'programId' } },
  },
  {
    name: 'cusMembership',
    fields: {
      membershipId: { type: 'string', maxLength: 40 },
      label: { type: 'string', maxLength: 100 },
      points: { type: 'integer' },
    },
    identificationKey: ['membershipId'],
    filters: { byMembershipId: { membershipId_parameter: 'membershipId' } },
    profileLink: { field: 'profile', cardinality: '0..1' },
    links: [{ field: 'program', target: 'cusLoyaltyProgram', cardinality: '1' }],
  },
];

/** The variable that carries the sandbox SFTP server's generated client key to the worker. */
export const SANDBOX_SFTP_KEY_ENV = 'SANDBOX_SFTP_KEY';

/** The sandbox's embedded configuration: every flow on, pointed at the local simulators. */
export function sandboxConfig(endpoints: SandboxEndpoints): Config {
  const result = validateConfig(sandboxConfigInput(endpoints));
  if (!result.ok) {
    // The embedded configuration is ours: a problem here is a bug, so say exactly what.
    throw new Error(
      `sandbox configuration is invalid: ${result.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`
    );
  }
  return result.config;
}

/** The sandbox configuration as a file would say it (the sandbox writes it out for the CLI commands it suggests). */
export function sandboxConfigInput(endpoints: SandboxEndpoints): ConfigInput {
  return {
    dynamics: {
      url: endpoints.dynamicsUrl,
      authorityHost: endpoints.dynamicsAuthorityHost,
      tenantId: endpoints.dynamicsTenantId,
      clientId: endpoints.dynamicsClientId,
      caFile: endpoints.dynamicsCaFile,
      clientSecretEnv: 'SANDBOX_D365_CLIENT_SECRET',
    },
    campaign: {
      organization: 'sandbox-org',
      clientId: 'sandbox-campaign-client',
      clientSecretEnv: 'SANDBOX_CAMPAIGN_CLIENT_SECRET',
      baseUrl: endpoints.campaignBaseUrl,
      imsUrl: endpoints.campaignImsUrl,
      sftp: {
        host: endpoints.sftpHost,
        port: endpoints.sftpPort,
        username: endpoints.sftpUsername,
        privateKeyEnv: SANDBOX_SFTP_KEY_ENV,
        hostKeyFingerprints: [endpoints.sftpHostKeyFingerprint],
        root: `${endpoints.sftpRoot}/d365_loads`,
      },
    },
    temporal: { address: endpoints.temporalAddress, namespace: 'default', taskQueue: 'acs-d365-sync' },
    ingress: [
      {
        name: 'contacts',
        from: 'contact',
        to: 'profile',
        key: { from: 'contactid', to: 'externalId' },
        fields: [
          { from: 'firstname', to: 'firstName' },
          { from: 'lastname', to: 'lastName' },
          { from: 'emailaddress1', to: 'email' },
          { from: 'birthdate', to: 'birthDate', applyUpdates: false },
        ],
        deletes: true,
        every: '1m',
        initialTransfer: { fileThreshold: 5_000, chunkRows: 2_000, importWorkflow: 'WKF_IMPORT_PROFILE' },
      },
      {
        name: 'loyalty-programs',
        from: 'acs_loyaltyprogram',
        to: 'cusLoyaltyProgram',
        key: { from: 'acs_loyaltyprogramid', to: 'programId' },
        fields: [
          { from: 'acs_name', to: 'label' },
          { from: 'acs_pointsrate', to: 'pointsRate' },
        ],
        deletes: true,
        every: '1m',
      },
      {
        name: 'memberships',
        from: 'acs_membership',
        to: 'cusMembership',
        key: { from: 'acs_membershipid', to: 'membershipId' },
        fields: [
          { from: 'acs_name', to: 'label' },
          { from: 'acs_points', to: 'points' },
          { from: 'acs_contactid', to: 'profile', link: 'contacts' },
          { from: 'acs_loyaltyprogramid', to: 'program', link: 'loyalty-programs' },
        ],
        deletes: true,
        every: '1m',
      },
    ],
    egress: { every: '1m', followUpTasks: { click: true, bounce: true } },
    optOut: {
      mode: 'bidirectional',
      every: '1m',
      pairs: [
        { campaign: 'denyListEmail', dynamics: 'donotbulkemail' },
        { campaign: 'denyList', dynamics: 'donotemail' },
      ],
    },
    reports: { folder: endpoints.reportsFolder },
  };
}
