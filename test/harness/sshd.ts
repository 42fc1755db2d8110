import { type SftpClientOptions } from '../../src/connectors/sftp';
import { createLogger } from '../../src/logging/logger';
import { type SshdServer } from '../../src/sandbox/sshd';

/** A real OpenSSH sshd for one test file: start it in beforeAll, stop it in afterAll. */
export { startSshd, type SshdServer } from '../../src/sandbox/sshd';

/** Client options that trust the test server's host key and log in with its test key. */
export function clientOptionsFor(server: SshdServer, overrides: Partial<SftpClientOptions> = {}): SftpClientOptions {
  return {
    host: server.host,
    port: server.port,
    username: server.username,
    credentials: { privateKey: server.privateKey },
    hostKey: { fingerprints: [server.hostKeyFingerprint] },
    root: server.root,
    readyTimeoutMs: 10_000,
    logger: createLogger({ level: 'silent', format: 'json' }),
    ...overrides,
  };
}

/** Waits until sshd has exactly `count` connections (a closed one takes a moment to go); fails after 5 s. */
export async function waitForSessionCount(server: SshdServer, count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (server.sessionCount() !== count) {
    if (Date.now() > deadline) throw new Error(`sshd has ${server.sessionCount()} connections, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
