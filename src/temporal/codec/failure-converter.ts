import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`DataConverter.failureConverterPath`) in the worker and its workflow sandbox when payload encryption
 * is on: failure messages and stack traces then travel as an encrypted payload too, instead of in clear text.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
