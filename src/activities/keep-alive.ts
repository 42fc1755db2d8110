import { type Context } from '@temporalio/activity';
import { type ActivityInterceptorsFactory } from '@temporalio/worker';

/** Heartbeat at least this often (the SDK throttles further, to 80% of the heartbeat timeout). */
const MAX_INTERVAL_MS = 10_000;

/**
 * Keeps every activity that has a heartbeat timeout heartbeating while it runs, repeating the last details it gave
 * (if any). The heartbeat timeout then means "the worker is gone" (a killed worker's activity is retried elsewhere
 * within the timeout), whether the activity is a short control call or a page waiting out D365's `Retry-After`.
 * Hung I/O is for the clients' own timeouts to end.
 */
export const keepAliveInterceptor: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      const timeoutMs = context.info.heartbeatTimeoutMs;
      if (!timeoutMs) return next(input);
      let details: unknown;
      const own = context.heartbeat;
      (context as { heartbeat: Context['heartbeat'] }).heartbeat = (given?: unknown) => {
        details = given;
        own(given);
      };
      const timer = setInterval(() => own(details), Math.min(timeoutMs / 3, MAX_INTERVAL_MS));
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});
