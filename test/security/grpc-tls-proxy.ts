import http2 from 'node:http2';
import { type AddressInfo } from 'node:net';
import { type TLSSocket } from 'node:tls';

export interface GrpcTlsProxyOptions {
  /** host:port of the plain-text Temporal frontend behind the proxy. */
  upstream: string;
  /** PEM: the proxy's certificate and key, and the CA that signs client certificates. */
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  /** mTLS: refuse connections without a client certificate signed by `ca`. */
  requireClientCertificate: boolean;
  /** When set, refuse every call whose `authorization` metadata is not exactly this (gRPC status UNAUTHENTICATED). */
  requireAuthorization?: string;
}

export interface GrpcTlsProxy {
  /** 127.0.0.1:<port> */
  address: string;
  /** What the proxy saw: the client certificate's subject CN per TLS connection, `authorization` per call. */
  seen: { clientCertificates: string[]; authorizations: (string | undefined)[] };
  close(): Promise<void>;
}

/**
 * A TLS-terminating gRPC proxy in front of the test's Temporal dev server, as a load balancer or Temporal Cloud would
 * stand there: it checks the client certificate (mTLS) and the API key, then forwards HTTP/2 streams as they are.
 */
export async function startGrpcTlsProxy(options: GrpcTlsProxyOptions): Promise<GrpcTlsProxy> {
  const upstream = http2.connect(`http://${options.upstream}`);
  upstream.on('error', () => undefined); // each forwarded stream reports its own failure
  const seen: GrpcTlsProxy['seen'] = { clientCertificates: [], authorizations: [] };
  const server = http2.createSecureServer({
    cert: options.cert,
    key: options.key,
    ca: options.ca,
    requestCert: options.requireClientCertificate,
    rejectUnauthorized: options.requireClientCertificate,
    allowHTTP1: false,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const subject = socket.getPeerCertificate()?.subject;
    if (subject?.CN) seen.clientCertificates.push(String(subject.CN));
  });
  server.on('stream', (stream, headers) => {
    const authorization = headers.authorization;
    seen.authorizations.push(authorization);
    if (options.requireAuthorization !== undefined && authorization !== options.requireAuthorization) {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'bad API key' },
        { endStream: true }
      );
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith(':') || name === ':path' || name === ':method') forwarded[name] = value;
    }
    const call = upstream.request(forwarded);
    call.on('response', (responseHeaders) => {
      const reply = withoutPseudoHeaders(responseHeaders, ':status');
      // A "trailers-only" answer (a gRPC error) carries its status in the headers and ends there.
      if (reply['grpc-status'] !== undefined) stream.respond(reply, { endStream: true });
      else stream.respond(reply, { waitForTrailers: true });
    });
    let trailers: http2.OutgoingHttpHeaders = {};
    call.on('trailers', (received) => (trailers = withoutPseudoHeaders(received)));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    call.on('data', (chunk: Buffer) => {
      if (!stream.destroyed && stream.headersSent) stream.write(chunk);
    });
    call.on('end', () => {
      if (!stream.destroyed && !stream.writableEnded) stream.end();
    });
    call.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('data', (chunk: Buffer) => call.write(chunk));
    stream.on('end', () => call.end());
    stream.on('close', () => {
      if (!call.closed) call.close(http2.constants.NGHTTP2_CANCEL);
    });
    stream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    seen,
    close: async () => {
      upstream.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long polls of a worker keep sessions open: end them.
        for (const session of sessions) session.destroy();
      });
    },
  };
}

function withoutPseudoHeaders(headers: http2.IncomingHttpHeaders, keep?: string): http2.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':') || name === keep));
}
