import { ApplicationFailure } from '@temporalio/common';
import { SYSTEMIC_TRIES } from '../../../src/activities/egress';
import { D365_UNAVAILABLE } from '../../../src/sync/failure-types';
import { systemicFailure, SystemicWriteError } from '../../../src/activities/egress/systemic';
import { DynamicsApiError, DynamicsMalformedResponseError } from '../../../src/connectors/dynamics';
import { isSystemicRefusal, reportableMessage } from '../../../src/sync/egress';

describe('isSystemicRefusal', () => {
  it.each([
    [401, '', 'Bearer token expired', true],
    [403, '0x80040220', 'Principal user is missing prvCreateacs_emailsend privilege', true],
    [404, '0x80060888', "Resource not found for the segment 'acs_emailclicks'.", true],
    [404, '0x80040217', 'contact With Id = 0b4c… Does Not Exist', false],
    [404, '0x80040217', 'systemuser With Id = 11111111… Does Not Exist', true],
    [
      400,
      '0x80060888',
      "The property 'acs_deliverylabel' does not exist on type 'Microsoft.Dynamics.CRM.acs_emailsend'.",
      true,
    ],
    [
      400,
      '0x80060888',
      "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.acs_emailsend'.",
      true,
    ],
    [400, '0x80044331', "A validation error occurred.  The length of the 'subject' attribute exceeded 200", false],
    [412, '0x80040237', 'A record with matching key values already exists.', false],
    [429, '0x80072322', 'Number of requests exceeded the limit', true],
    [500, '0x80040216', 'An unexpected error occurred.', true],
    [503, '', 'busy', true],
  ])('HTTP %i %s %s → %s', (status, code, message, systemic) => {
    expect(isSystemicRefusal({ status, code, message })).toBe(systemic);
  });
});

describe('reportableMessage', () => {
  it('masks quoted texts and ids of a record-level message, keeps the names of a missing table or column', () => {
    expect(reportableMessage("The length of the 'subject' attribute of 'Jane Doe' exceeded")).toBe(
      "The length of the '…' attribute of '…' exceeded"
    );
    expect(reportableMessage('contact With Id = 0b4c1a2e-1111-4222-8333-444455556666 Does Not Exist')).toBe(
      'contact With Id = … Does Not Exist'
    );
    expect(reportableMessage("Resource not found for the segment 'acs_emailclicks'.")).toBe(
      "Resource not found for the segment 'acs_emailclicks'."
    );
  });
});

describe('systemicFailure', () => {
  const call = { method: 'POST', path: '$batch', status: 403 };
  const file = 'events_20260101000000_000001.csv';

  it.each([
    [1, false],
    [SYSTEMIC_TRIES - 1, false],
    [SYSTEMIC_TRIES, true],
    [undefined, true],
  ])('attempt %s: a systemic failure, final %s', (attempt, final) => {
    const failure = systemicFailure(new DynamicsApiError(call, '', 'denied'), file, attempt);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure?.type).toBe(D365_UNAVAILABLE);
    expect(failure?.nonRetryable).toBe(final);
    expect(failure?.message).toContain(`D365 cannot take the writes of ${file}: POST $batch answered HTTP 403: denied`);
  });

  it('masks what D365 quotes in its message', () => {
    const error = new DynamicsApiError({ ...call, status: 500 }, '0x80040216', "Cannot insert 'jane@example.com'");
    expect(systemicFailure(error, file, 1)?.message).toContain("HTTP 500 0x80040216: Cannot insert '…'");
  });

  it('leaves other failures to the ordinary retries', () => {
    expect(systemicFailure(new Error('socket closed by the worker'), file, 1)).toBeUndefined();
    expect(systemicFailure(new DynamicsApiError({ ...call, status: 400 }, '', 'bad'), file, 9)).toBeUndefined();
    expect(systemicFailure(new DynamicsMalformedResponseError(call, 'not JSON'), file, 9)).toBeUndefined();
    expect(systemicFailure(new SystemicWriteError('PATCH tasks answered HTTP 403'), file, 9)?.nonRetryable).toBe(true);
  });
});
