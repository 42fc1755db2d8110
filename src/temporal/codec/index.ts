export { codecDataConverter } from './data-converter';
export { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './encryption-codec';
export { CodecKeyError, loadKeyring, type EncryptionConfig, type Keyring } from './keyring';
export { startCodecServer, type CodecServerOptions, type RunningCodecServer } from './codec-server';
