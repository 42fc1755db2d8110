import { ODATA_JSON, type SimResponse } from './http-types';

/** An error the simulated Web API answers with `{"error":{"code","message"}}` and the given HTTP status. */
export class WebApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
    this.name = 'WebApiError';
  }

  toBody(): string {
    return JSON.stringify({ error: { code: this.code, message: this.message } });
  }

  /** The error as a Web API answer (OData JSON headers plus this error's own, e.g. `Retry-After`). */
  toResponse(): SimResponse {
    return {
      status: this.status,
      headers: { 'Content-Type': ODATA_JSON, 'OData-Version': '4.0', ...this.headers },
      body: this.toBody(),
    };
  }
}

/** Dataverse error codes and messages the simulator uses (from the reference where documented). */
export const Errors = {
  badRequest: (message: string) => new WebApiError(400, '0x80060888', message),
  notFound: (entity: string, id: string) =>
    new WebApiError(404, '0x80040217', `${entity} With Id = ${id} Does Not Exist`),
  resourceNotFound: (path: string) =>
    new WebApiError(404, '0x80060888', `Resource not found for the segment '${path.split('(')[0] ?? path}'.`),
  methodNotAllowed: () => new WebApiError(405, '0x80060888', 'The requested resource does not support http method.'),
  unauthorized: (message: string) => new WebApiError(401, '', message, { 'WWW-Authenticate': 'Bearer' }),
  versionMismatch: () =>
    new WebApiError(
      412,
      '0x80060882',
      "The version of the existing record doesn't match the RowVersion property provided."
    ),
  duplicateKey: () => new WebApiError(412, '0x80040237', 'A record with matching key values already exists.'),
  invalidKey: (logicalName: string) =>
    new WebApiError(
      400,
      '0x80060888',
      `The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.${logicalName}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource '${logicalName}'.`
    ),
  validation: (message: string) => new WebApiError(400, '0x80044331', `A validation error occurred.  ${message}`),
  trackChangesOption: (option: string) =>
    new WebApiError(
      400,
      '0x80060888',
      `The ${option} query parameter isn't supported when Change Tracking is enabled.`
    ),
  trackingNotEnabled: (logicalName: string) =>
    new WebApiError(400, '0x80048459', `Change tracking is not enabled for the entity '${logicalName}'.`),
  expiredDeltaToken: () =>
    new WebApiError(
      400,
      '0x80044352',
      'Version stamp associated with the client has expired. Please perform a full sync.'
    ),
  readOnlyRecord: (logicalName: string) =>
    new WebApiError(
      400,
      '0x80043b09',
      `The object cannot be updated because it is read-only (${logicalName} is inactive).`
    ),
  internal: () => new WebApiError(500, '0x80040216', 'An unexpected error occurred.'),
};
