/** What went wrong in one ACS call. Messages never carry tokens, secrets or query strings (they may hold personal data). */
export class CampaignApiError extends Error {
  constructor(
    /** The call, e.g. `GET /profileAndServicesExt/profile/byExternalId` (path without query string). */
    readonly call: string,
    /** Human-readable reason, e.g. ACS's message. */
    readonly detail: string,
    /** HTTP status; undefined for network faults. */
    readonly status?: number,
    /** ACS's or the gateway's error code, e.g. `401013`, `RST-360011`. */
    readonly code?: string,
    /** Whether repeating the same call may succeed. */
    readonly retryable: boolean = false,
    /** Wait asked for by a `Retry-After` header, in milliseconds. */
    readonly retryAfterMs?: number
  ) {
    super(
      `ACS ${call} failed` +
        (status === undefined ? '' : `: HTTP ${status}`) +
        (code === undefined ? '' : ` ${code}`) +
        `: ${detail}`
    );
    this.name = 'CampaignApiError';
  }
}

/** The signal was triggered less than ten minutes ago; ACS answered with its plain-text cooldown message. */
export class CampaignSignalCooldownError extends CampaignApiError {
  constructor(call: string, status: number, text: string) {
    super(call, `signal is cooling down (ACS allows one trigger per 10 minutes): ${text.slice(0, 200)}`, status);
    this.name = 'CampaignSignalCooldownError';
  }
}

/** A key lookup found more than one record: the identification key is not unique in Campaign. */
export class CampaignDuplicateKeyError extends Error {
  constructor(
    readonly resource: string,
    readonly matches: number
  ) {
    super(`ACS lookup by key on '${resource}' matched ${matches} records; the key must be unique`);
    this.name = 'CampaignDuplicateKeyError';
  }
}

/** Waiting for a workflow ran past its timeout. */
export class CampaignWorkflowTimeoutError extends Error {
  constructor(
    readonly workflowId: string,
    readonly lastState: string | undefined,
    timeoutMs: number
  ) {
    super(`ACS workflow '${workflowId}' did not finish within ${timeoutMs} ms (last state: ${lastState ?? 'unknown'})`);
    this.name = 'CampaignWorkflowTimeoutError';
  }
}
