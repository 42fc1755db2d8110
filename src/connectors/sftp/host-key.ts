import { createHash } from 'node:crypto';
import { type SftpHostKeyPins } from './options';

/** `SHA256:<base64 without padding>` of an SSH public key blob, as `ssh-keygen -l` prints it. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (e.g. `ssh-ed25519`). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** Fingerprint of the key in an OpenSSH public key line or a known_hosts line. */
export function fingerprintOfPublicKeyLine(line: string): string {
  const tokens = line.trim().split(/\s+/);
  const typeIndex = tokens.findIndex((token) => /^(ssh-|ecdsa-|sk-)/.test(token));
  const blob = typeIndex >= 0 ? tokens[typeIndex + 1] : undefined;
  if (!blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) {
    throw new Error(`hostKey.publicKeys: not an OpenSSH public key line (expected "<type> <base64> [comment]")`);
  }
  return sha256Fingerprint(Buffer.from(blob, 'base64'));
}

function normalizeFingerprint(fingerprint: string): string {
  const trimmed = fingerprint.trim().replace(/=+$/, '');
  return trimmed.startsWith('SHA256:') ? trimmed : `SHA256:${trimmed}`;
}

/** What the server presented, kept to explain a refusal. */
export interface PresentedHostKey {
  fingerprint: string;
  keyType: string;
}

/** The fingerprints that the pins stand for; throws on a malformed public key, so bad settings fail early. */
export function trustedFingerprints(pins: SftpHostKeyPins): string[] {
  return [
    ...(pins.fingerprints ?? []).map(normalizeFingerprint),
    ...(pins.publicKeys ?? []).map(fingerprintOfPublicKeyLine),
  ];
}

/** Host key check for one connection attempt: used as ssh2's `hostVerifier`, it remembers what it refused. */
export class HostKeyCheck {
  private refusedKey: PresentedHostKey | undefined;

  constructor(private readonly trusted: readonly string[]) {}

  readonly verify = (keyBlob: Buffer): boolean => {
    const presented = { fingerprint: sha256Fingerprint(keyBlob), keyType: keyTypeOf(keyBlob) };
    if (this.trusted.includes(presented.fingerprint)) return true;
    this.refusedKey = presented;
    return false;
  };

  /** Why the server was refused, or `undefined` if its key was not refused. */
  refusal(): string | undefined {
    return this.refusedKey && hostKeyRefusal(this.refusedKey, this.trusted);
  }
}

/** The reason given when a server's host key is refused: what it presented, what was expected, how to pin it. */
function hostKeyRefusal(presented: PresentedHostKey, trusted: readonly string[]): string {
  const expected = trusted.length === 0 ? 'no host key is pinned' : `expected ${trusted.join(' or ')}`;
  return (
    `host key not trusted: the server presented ${presented.keyType} ${presented.fingerprint}; ${expected}. ` +
    `If that key is the server's (check with its administrator or \`ssh-keyscan -p <port> <host> | ssh-keygen -lf -\`), ` +
    `pin it in the configuration: campaign.sftp.hostKeyFingerprints: ["${presented.fingerprint}"]`
  );
}
