/**
 * The `ApplicationFailure` types the activities throw and the workflows match or list as non-retryable. Workflow-safe
 * (no imports): activities, workflows and tests name a failure through these constants, never a string literal.
 */

/**
 * The configuration cannot run as it is (a block or mapping missing, a mapping D365 or Campaign refuses, a transfer
 * too large for the API): retrying cannot help, the configuration must be fixed.
 */
export const CONFIG_ERROR = 'FlowConfigError';

/** What {@link CONFIG_ERROR} was called per flow before 0.3.0: histories recorded then still carry these names. */
export const LEGACY_CONFIG_ERRORS: readonly string[] = ['IngressConfigError', 'OptOutConfigError', 'EgressConfigError'];

/** A failure type that means the configuration is wrong, today's name or one a recorded history may carry. */
export function isConfigErrorType(type: string | undefined | null): boolean {
  return type === CONFIG_ERROR || LEGACY_CONFIG_ERRORS.includes(type ?? '');
}

/** A delta link D365 no longer knows (ingress or opt-out): the workflow reads the table in full again. */
export const DELTA_TOKEN_EXPIRED = 'DeltaTokenExpired';

/** The opt-out flow's name for it before 0.2.0, which recorded histories may carry. */
const LEGACY_DELTA_TOKEN_EXPIRED = 'OptOutDeltaTokenExpired';

/** Whether a failure type says the delta link expired, under its name of any version. */
export function isDeltaTokenExpiredType(type: string | undefined | null): boolean {
  return type === DELTA_TOKEN_EXPIRED || type === LEGACY_DELTA_TOKEN_EXPIRED;
}

/**
 * D365 answered outside the protocol (a read that ends without a delta link): the pass cannot go on. Ingress called it
 * `IngressProtocolError` before 0.2.0; opt-out gave it no type. No workflow matches it.
 */
export const D365_PROTOCOL_ERROR = 'D365ProtocolError';

/** An ingress activity called with input no workflow of this version sends (a bad chunk or file name). */
export const INGRESS_INPUT_ERROR = 'IngressInputError';

/** An egress activity called with a file name that is not an event file's. */
export const EGRESS_INVALID_INPUT = 'EgressInvalidInput';

/** An event file shorter than its header says: not completely written yet, read again later (retryable). */
export const EVENT_FILE_INCOMPLETE = 'EventFileIncomplete';

/** An opt-out file that ends early: not completely written yet, read again later (retryable). */
export const OPT_OUT_FILE_INCOMPLETE = 'OptOutFileIncomplete';

/** D365 cannot take egress writes for a systemic reason (table missing, 401/403, outage). */
export const D365_UNAVAILABLE = 'EgressD365Unavailable';

/** Campaign's import workflow is paused: retried until someone resumes it. */
export const CAMPAIGN_IMPORT_NOT_READY = 'CampaignImportNotReady';

/** Campaign refuses a signal during its cooldown: retried when the cooldown ends. */
export const CAMPAIGN_IMPORT_COOLDOWN = 'CampaignImportCooldown';

/** Campaign's import workflow ended in a failed state. */
export const CAMPAIGN_IMPORT_FAILED = 'CampaignImportFailed';

/** Campaign's import workflow did not finish within `initialTransfer.importTimeout`. */
export const CAMPAIGN_IMPORT_TIMEOUT = 'CampaignImportTimeout';

/** Campaign holds fewer records than its import accepted. */
export const CAMPAIGN_IMPORT_INCOMPLETE = 'CampaignImportIncomplete';
