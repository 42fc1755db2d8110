import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PEM key pair for a loopback TLS server; `cert` is also the CA a client must trust. */
export interface LoopbackCertificate {
  key: string;
  cert: string;
}

/**
 * Generates a self-signed certificate for `localhost` and `127.0.0.1` with the `openssl` command (Node has no
 * X.509 writer). Files live in a temporary directory only until they are read back.
 */
export async function generateLoopbackCertificate(): Promise<LoopbackCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'd365-sim-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ]);
    return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
