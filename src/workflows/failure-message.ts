/** The innermost cause's message: what actually went wrong, not "child workflow failed" or "activity failed". */
export function failureMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : 'unknown failure';
}
