import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** An HTTP answer, body fully read (one page at a time is held in memory). */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A failure below HTTP: reset, refused, timed out. `code` is Node's (`ECONNRESET`, ...) or `ETIMEDOUT`. */
export class TransportError extends Error {
  constructor(
    readonly code: string,
    cause: unknown
  ) {
    super(`network error ${code}`, { cause });
  }
}

export interface TransportOptions {
  /** Extra CA certificates (PEM) to trust, e.g. a loopback simulator's. */
  ca?: string;
  /** Per-request timeout in milliseconds (idle socket). */
  timeoutMs: number;
  /** Sockets kept per host (at least the concurrency limit). */
  maxSockets: number;
}

/** Keep-alive HTTP(S) requests with a timeout, returning the whole body. */
export class Transport {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly options: TransportOptions) {
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets, ca: options.ca });
  }

  send(method: string, url: URL, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    const secure = url.protocol === 'https:';
    const make = secure ? httpsRequest : httpRequest;
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const allHeaders = payload ? { ...headers, 'Content-Length': String(payload.length) } : headers;
    return new Promise<RawResponse>((resolve, reject) => {
      const req = make(
        url,
        { method, headers: allHeaders, agent: secure ? this.httpsAgent : this.httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
          );
          res.on('error', (err: NodeJS.ErrnoException) => reject(new TransportError(err.code ?? 'ECONNRESET', err)));
        }
      );
      req.setTimeout(this.options.timeoutMs, () =>
        req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' }))
      );
      req.on('error', (err: NodeJS.ErrnoException) => reject(new TransportError(err.code ?? 'ECONNRESET', err)));
      req.end(payload);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
