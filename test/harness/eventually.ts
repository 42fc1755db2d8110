/** Retries `attempt` until it resolves (e.g. a workflow that a signal is about to start), or rethrows after the timeout. */
export async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
