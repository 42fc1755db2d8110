/**
 * An error the simulator answers in ACS's style: `{ "code": <status>, "error_code": "<code>", "message": "<code> <text>" }`.
 * (The exact envelope of real ACS errors is not confirmed; see docs/maintainers/campaign-connector.md.)
 */
export class AcsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly text: string
  ) {
    super(code === undefined ? text : `${code} ${text}`);
    this.name = 'AcsError';
  }

  body(): Record<string, unknown> {
    return this.code === undefined
      ? { code: this.status, message: this.text }
      : { code: this.status, error_code: this.code, message: /^\d+$/.test(this.code) ? this.text : this.message };
  }
}

/** Codes used by the simulator (RST-360011 is ACS's; the others are the simulator's choice). */
export const AcsErrorCode = {
  invalidValue: 'RST-360012',
  unknownProperty: 'XTK-170006',
  readOnly: 'XTK-170007',
  unknownRecord: 'RST-360404',
  invalidConstant: 'RST-360013',
  signalParameter: 'RST-360011',
  workflowState: 'RST-360020',
  invalidCommand: 'RST-360021',
  badRequest: 'RST-360000',
} as const;

export const invalidToken = (): AcsError => new AcsError(401, '401013', 'Oauth token is not valid');
export const invalidApiKey = (): AcsError => new AcsError(403, '403003', 'Api Key is invalid');
export const badUri = (): AcsError =>
  new AcsError(500, undefined, 'Oops. Something went wrong. Check your URI and try again.');
