import { KEY_BYTES } from './aes-gcm';
import { readEnvSecret } from '../connection-settings';
import { type Config } from '../../config/schema';

/** The `temporal.encryption` block of the configuration. */
export type EncryptionConfig = NonNullable<Config['temporal']['encryption']>;

/** Every key that may have encrypted a payload, by id, and the one new payloads are encrypted with. */
export interface Keyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** A key that cannot be used; the message names the configuration entry and the variable, never the key material. */
export class CodecKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecKeyError';
  }
}

const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;
const HOW_TO_MAKE = 'make one with: openssl rand -base64 32';

/**
 * Reads each key of `temporal.encryption.keys` from the environment variable its `keyEnv` names (or `<NAME>_FILE`, the
 * path of a file holding it). A key is 32 random bytes written in base64 (44 characters). Every problem is reported at
 * once, naming the configuration path and the variable.
 */
export function loadKeyring(encryption: EncryptionConfig, env: NodeJS.ProcessEnv = process.env): Keyring {
  const keys = new Map<string, Buffer>();
  const problems: string[] = [];
  encryption.keys.forEach((entry, index) => {
    const where = `temporal.encryption.keys[${index}] (id ${entry.id})`;
    const text = readKeyText(entry.keyEnv, env, where);
    if (text === undefined) {
      problems.push(`${where}: ${entry.keyEnv} is not set (set it, or ${entry.keyEnv}_FILE to a file holding it)`);
    } else if (!BASE64_32_BYTES.test(text)) {
      problems.push(
        `${where}: ${entry.keyEnv} must hold a ${KEY_BYTES}-byte key in base64 (44 characters ending in "="), ` +
          `but holds ${text.length} characters; ${HOW_TO_MAKE}`
      );
    } else {
      keys.set(entry.id, Buffer.from(text, 'base64'));
    }
  });
  if (!encryption.keys.some((entry) => entry.id === encryption.currentKeyId)) {
    problems.push(
      `temporal.encryption.currentKeyId: "${encryption.currentKeyId}" is not one of temporal.encryption.keys`
    );
  }
  if (problems.length > 0) throw new CodecKeyError(`payload encryption keys unusable:\n  ${problems.join('\n  ')}`);
  return { currentKeyId: encryption.currentKeyId, keys };
}

function readKeyText(envName: string, env: NodeJS.ProcessEnv, where: string): string | undefined {
  try {
    return readEnvSecret(envName, env);
  } catch (err) {
    throw new CodecKeyError(`${where}: ${(err as Error).message}`);
  }
}
