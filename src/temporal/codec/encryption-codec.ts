import { type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { decrypt, encrypt } from './aes-gcm';
import { type Keyring } from './keyring';

/** `encoding` metadata of an encrypted payload (the value Temporal's samples and codec servers use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key a payload was encrypted with, so that old histories decode after a rotation. */
export const KEY_ID_METADATA = 'encryption-key-id';

const ProtoPayload = temporal.api.common.v1.Payload;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/**
 * AES-256-GCM payload codec. `encode` serialises the whole payload (metadata included, so the original encoding is
 * hidden too) and encrypts it with the current key; `decode` picks the key by the id in the payload's metadata and
 * passes through payloads that were never encrypted (histories from before encryption was turned on).
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  /** Synchronous work (node:crypto); async because the SDK's interface is. */
  encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyring.currentKeyId;
    const key = this.keyring.keys.get(keyId) as Buffer;
    const keyIdBytes = utf8.encode(keyId);
    return Promise.resolve(
      payloads.map((payload) => ({
        metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: keyIdBytes },
        data: encrypt(key, ProtoPayload.encode(payload).finish(), keyIdBytes),
      }))
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    // A throw inside the executor rejects the promise.
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decodeOne(payload))));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || text.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!keyIdBytes) throw new Error(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const keyId = text.decode(keyIdBytes);
    const key = this.keyring.keys.get(keyId);
    if (!key) {
      throw new Error(
        `a payload is encrypted with key id "${keyId}", which temporal.encryption.keys does not list; ` +
          'keep retired keys listed as long as histories that use them are kept'
      );
    }
    let plain: Buffer;
    try {
      plain = decrypt(key, payload.data ?? new Uint8Array(), keyIdBytes);
    } catch {
      throw new Error(`cannot decrypt a payload with key id "${keyId}": wrong key, or the payload was altered`);
    }
    return ProtoPayload.decode(plain);
  }
}
