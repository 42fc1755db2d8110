import { type Payload } from '@temporalio/common';

/** A payload as the codec server protocol writes it: metadata values and data in base64. */
export interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}

/** Parses a codec-server request body `{ payloads: [...] }`; throws a message fit for a 400 answer. */
export function payloadsFromJson(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('the body is not JSON');
  }
  const payloads = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new Error('the body must be { "payloads": [ ... ] }');
  return payloads.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null) throw new Error(`payloads[${index}] must be an object`);
    const { metadata = {}, data = '' } = item as PayloadJson;
    if (typeof data !== 'string') throw new Error(`payloads[${index}].data must be a base64 string`);
    const decoded: Record<string, Uint8Array> = {};
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new Error(`payloads[${index}].metadata.${key} must be a base64 string`);
      decoded[key] = Buffer.from(value, 'base64');
    }
    return { metadata: decoded, data: Buffer.from(data, 'base64') };
  });
}

/** The answer body `{ payloads: [...] }` with base64 metadata values and data. */
export function payloadsToJson(payloads: Payload[]): string {
  return JSON.stringify({
    payloads: payloads.map((payload): PayloadJson => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])
      ),
      data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
    })),
  });
}
