import { type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { Transport } from './transport';

/**
 * MSAL's network hook, over Node's https with extra trusted CA certificates. MSAL's own client uses `fetch`,
 * which cannot be told to trust a certificate generated at run time; this one can (loopback simulator).
 */
export class TrustingNetworkClient implements INetworkModule {
  private readonly transport: Transport;

  constructor(ca: string, timeoutMs: number) {
    this.transport = new Transport({ ca, timeoutMs, maxSockets: 4 });
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  close(): void {
    this.transport.close();
  }

  private async send<T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const response = await this.transport.send(
      method,
      new URL(url),
      options?.headers ?? {},
      method === 'POST' ? (options?.body ?? '') : undefined
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const text = response.body.toString('utf8');
    // MSAL expects a parsed body; an unparsable one is handed over as an empty object so MSAL reports the status.
    let body: unknown = {};
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      body = {};
    }
    return { status: response.status, headers, body: body as T };
  }
}
