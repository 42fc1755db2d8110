import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { validateConfig } from '../../src/config/load';
import {
  CodecKeyError,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  loadKeyring,
  type EncryptionConfig,
} from '../../src/temporal/codec';

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
const env = { CODEC_KEY_OLD: oldKey, CODEC_KEY_NEW: newKey };
const oldOnly: EncryptionConfig = { currentKeyId: 'k1', keys: [{ id: 'k1', keyEnv: 'CODEC_KEY_OLD' }] };
const rotated: EncryptionConfig = {
  currentKeyId: 'k2',
  keys: [
    { id: 'k2', keyEnv: 'CODEC_KEY_NEW' },
    { id: 'k1', keyEnv: 'CODEC_KEY_OLD' },
  ],
};
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const secretArg = { email: 'jane.doe@example.com', note: 'top secret' };

describe('AES-256-GCM payload codec', () => {
  const codec = new EncryptionCodec(loadKeyring(oldOnly, env));

  it('round-trips payloads, metadata included, and hides the plaintext', async () => {
    const original = [payloadOf(secretArg), payloadOf(null), payloadOf('')];
    const encoded = await codec.encode(original);
    expect(encoded).toHaveLength(3);
    for (const payload of encoded) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA])).toBe('k1');
      expect(text(payload.data)).not.toContain('jane.doe');
      expect(text(payload.data)).not.toContain('json/plain');
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([secretArg, null, '']);
  });

  it('uses a fresh IV for every payload: the same value never encrypts twice the same', async () => {
    const [a, b] = await codec.encode([payloadOf(secretArg), payloadOf(secretArg)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('refuses a payload whose ciphertext or key id was altered', async () => {
    const [sealed] = await codec.encode([payloadOf(secretArg)]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 0x01;
    await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow(
      'cannot decrypt a payload with key id "k1": wrong key, or the payload was altered'
    );
    await expect(codec.decode([{ ...sealed, data: flipped.subarray(0, 10) }])).rejects.toThrow('cannot decrypt');

    // Same key under another id: the key id is authenticated, so swapping it in the metadata is detected.
    const twoIds = new EncryptionCodec(
      loadKeyring(
        {
          currentKeyId: 'k1',
          keys: [
            { id: 'k1', keyEnv: 'CODEC_KEY_OLD' },
            { id: 'alias', keyEnv: 'CODEC_KEY_OLD' },
          ],
        },
        env
      )
    );
    const swapped = { ...sealed, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('alias') } };
    await expect(twoIds.decode([swapped])).rejects.toThrow('key id "alias": wrong key, or the payload was altered');
  });

  it('passes through payloads that were never encrypted (histories from before encryption was on)', async () => {
    const plain = payloadOf({ cursor: 'p3' });
    await expect(codec.decode([plain])).resolves.toEqual([plain]);
  });

  it('after a rotation, encrypts with the new key and still decodes what the old key encrypted', async () => {
    const [beforeRotation] = await codec.encode([payloadOf(secretArg)]);
    const afterRotation = new EncryptionCodec(loadKeyring(rotated, env));
    const [fresh] = await afterRotation.encode([payloadOf(secretArg)]);
    expect(text(fresh!.metadata?.[KEY_ID_METADATA])).toBe('k2');
    const decoded = await afterRotation.decode([beforeRotation!, fresh!]);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([secretArg, secretArg]);
    // The old keyring cannot read the new key's payloads, and says which id it lacks.
    await expect(codec.decode([fresh!])).rejects.toThrow(
      'a payload is encrypted with key id "k2", which temporal.encryption.keys does not list'
    );
  });
});

describe('payload encryption keys', () => {
  it('reads a key from <NAME>_FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acs-codec-'));
    const file = path.join(dir, 'key');
    writeFileSync(file, `${oldKey}\n`);
    const keyring = loadKeyring(oldOnly, { CODEC_KEY_OLD_FILE: file });
    expect(keyring.keys.get('k1')?.toString('base64')).toBe(oldKey);
    expect(() => loadKeyring(oldOnly, { CODEC_KEY_OLD_FILE: path.join(dir, 'nope') })).toThrow(
      `temporal.encryption.keys[0] (id k1): cannot read CODEC_KEY_OLD_FILE (${path.join(dir, 'nope')}): ENOENT`
    );
  });

  it('names every unusable key and the variable to fix, never the key material', () => {
    const shortKey = randomBytes(16).toString('base64');
    let error: unknown;
    try {
      loadKeyring(rotated, { CODEC_KEY_OLD: shortKey });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CodecKeyError);
    const message = (error as Error).message;
    expect(message).toContain(
      'temporal.encryption.keys[0] (id k2): CODEC_KEY_NEW is not set (set it, or CODEC_KEY_NEW_FILE to a file holding it)'
    );
    expect(message).toContain(
      'temporal.encryption.keys[1] (id k1): CODEC_KEY_OLD must hold a 32-byte key in base64 (44 characters ending in "="), but holds 24 characters; make one with: openssl rand -base64 32'
    );
    expect(message).not.toContain(shortKey);
    expect(() => loadKeyring({ ...oldOnly, currentKeyId: 'k9' }, env)).toThrow(
      'temporal.encryption.currentKeyId: "k9" is not one of temporal.encryption.keys'
    );
    const hexKey = randomBytes(32).toString('hex');
    expect(() => loadKeyring(oldOnly, { CODEC_KEY_OLD: hexKey })).toThrow('but holds 64 characters');
  });

  it('is checked by config validation: unknown current key, duplicate id, malformed id and keyEnv, no key', () => {
    const base = {
      dynamics: { url: 'https://contoso.crm.dynamics.com', tenantId: 't', clientId: 'c', clientSecretEnv: 'D365_S' },
      campaign: {
        organization: 'o',
        clientId: 'c',
        clientSecretEnv: 'ACS_S',
        sftp: { host: 'h', username: 'u', privateKeyEnv: 'K', hostKeyFingerprints: [`SHA256:${'A'.repeat(43)}`] },
      },
      egress: {},
    };
    const result = validateConfig({
      ...base,
      temporal: {
        encryption: {
          currentKeyId: 'k3',
          keys: [
            { id: 'k1', keyEnv: 'KEY_ONE' },
            { id: 'k1', keyEnv: 'KEY_TWO' },
          ],
        },
      },
    });
    expect(result.ok ? [] : result.problems).toEqual([
      { path: 'temporal.encryption.keys[1].id', message: '"k1" is already used by keys[0]' },
      {
        path: 'temporal.encryption.currentKeyId',
        message: '"k3" is not the id of any of temporal.encryption.keys (k1, k1)',
      },
    ]);
    const shape = validateConfig({
      ...base,
      temporal: { encryption: { currentKeyId: 'a b', keys: [{ id: 'k1', keyEnv: 'not-an-env' }] } },
    });
    expect(shape.ok ? [] : shape.problems.map((problem) => problem.path)).toEqual([
      'temporal.encryption.currentKeyId',
      'temporal.encryption.keys[0].keyEnv',
    ]);
    expect(validateConfig({ ...base, temporal: { encryption: { currentKeyId: 'k1', keys: [] } } })).toMatchObject({
      ok: false,
      problems: [{ path: 'temporal.encryption.keys', message: expect.stringContaining('at least one key') }],
    });
  });
});
