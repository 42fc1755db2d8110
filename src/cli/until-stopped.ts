/** Resolves once SIGINT or SIGTERM arrived and `stop` finished (or failed): how long-running commands end cleanly. */
export function runUntilStopped(stop: () => void | Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      Promise.resolve().then(stop).then(done, done);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
