import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type PayloadCodec } from '@temporalio/common';
import { readRequestBody } from '../../http/request-body';
import { payloadsFromJson, payloadsToJson } from './payload-json';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** @default 127.0.0.1 */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Browser origins allowed to call (the Temporal Web UI, e.g. http://localhost:8233); others get no CORS headers. */
  corsOrigins: readonly string[];
  /** When set, every POST must carry exactly this `Authorization` header value. */
  authorization?: string;
}

export interface RunningCodecServer {
  /** e.g. http://127.0.0.1:8888 */
  url: string;
  close(): Promise<void>;
}

/** Payloads are at most 2 MB each on the server; a UI page decodes a few at a time. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

/**
 * The Temporal codec server protocol (https://docs.temporal.io/codec-server): `POST …/encode` and `POST …/decode` with
 * `{ payloads: [{ metadata, data }] }` in base64, for the Web UI and `temporal --codec-endpoint`. Whoever reaches it
 * can decrypt: bind it to a private address, and set `authorization`.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => answer(res, 500, { error: (err as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function handle(options: CodecServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const origin = req.headers.origin;
  const corsAllowed = origin !== undefined && options.corsOrigins.includes(origin);
  if (corsAllowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') {
    if (!corsAllowed) return answer(res, 403, { error: `origin ${origin ?? '(none)'} is not allowed (--cors-origin)` });
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    res.writeHead(204).end();
    return;
  }
  const operation = req.url?.split('?')[0]?.match(/\/(encode|decode)$/)?.[1];
  if (req.method !== 'POST' || !operation) return answer(res, 404, { error: 'use POST /encode or POST /decode' });
  if (options.authorization !== undefined && !sameText(req.headers.authorization, options.authorization)) {
    return answer(res, 401, { error: 'missing or wrong Authorization header' });
  }
  let body: string;
  try {
    body = await readRequestBody(req, BODY_LIMIT_BYTES);
  } catch {
    return answer(res, 413, { error: `the body is over ${BODY_LIMIT_BYTES} bytes` });
  }
  let payloads;
  try {
    payloads = payloadsFromJson(body);
  } catch (err) {
    return answer(res, 400, { error: (err as Error).message });
  }
  try {
    const result = operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(payloadsToJson(result));
  } catch (err) {
    answer(res, 422, { error: (err as Error).message });
  }
}

function answer(res: ServerResponse, status: number, body: { error: string }): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function sameText(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
