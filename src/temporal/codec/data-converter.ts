import { type DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { loadKeyring } from './keyring';
import { type Config } from '../../config/schema';

/**
 * The data converter for every worker and client of this integration: the SDK default when `temporal.encryption` is
 * absent, otherwise the AES-256-GCM codec (payloads, memos, failure messages). Throws `CodecKeyError` when a key is
 * missing or malformed. Search attributes are never encrypted by Temporal: they must never carry personal data.
 */
export function codecDataConverter(
  temporalBlock: Config['temporal'],
  env: NodeJS.ProcessEnv = process.env
): DataConverter | undefined {
  if (!temporalBlock.encryption) return undefined;
  return {
    payloadCodecs: [new EncryptionCodec(loadKeyring(temporalBlock.encryption, env))],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
