/**
 * The HTTPS front-end: turns each Node request into an EngineRequest, runs the shared decision
 * pipeline, and writes the answer with kube-apiserver's common headers (`Audit-Id`,
 * `Cache-Control`, `Warning`). Also owns graceful shutdown: `/readyz` fails at once, in-flight
 * requests finish, then the listener closes.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { decide, wireHeaders, type EngineSnapshot } from '../engine.js';
import { peerCertificateOf } from './peer.js';
import type { Logger } from './log.js';
import { RequestBodyTooLargeError } from '../errors.js';

export interface ServerOptions {
  /** Returns the snapshot to decide against; read per request so a reload swaps it in one step. */
  readonly snapshot: () => EngineSnapshot;
  readonly cert: string;
  readonly key: string;
  /** PEM bundle of `--client-ca-file`; when set, client certificates are requested (never required). */
  readonly clientCA?: string | undefined;
  readonly bindAddress: string;
  readonly port: number;
  readonly logger: Logger;
  /** Called once a shutdown begins (e.g. to fail the readyz `shutdown` check). */
  readonly onShutdownStart?: () => void;
  /** `--shutdown-delay-duration`: keep serving this long after shutdown starts. */
  readonly shutdownDelayMs?: number;
  /** Flushes audit backends and the like after the last request. */
  readonly onDrained?: () => Promise<void>;
}

export interface RunningServer {
  readonly server: Server;
  readonly address: AddressInfo;
  /** Starts graceful shutdown; resolves when every in-flight request finished and backends flushed. */
  shutdown(): Promise<void>;
}

/** kube-apiserver's limit on a request body it decodes (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** Reads a request body once, refusing more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new RequestBodyTooLargeError(limit));
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * The request headers for the engine. Node joins a repeated header's values with `, `, but
 * impersonation needs each `Impersonate-Group` / `Impersonate-Extra-*` value on its own (a group
 * name may itself contain `, `), as Go's header map keeps them.
 */
function engineHeaders(req: IncomingMessage): IncomingMessage['headers'] | Record<string, string | string[] | undefined> {
  let out: Record<string, string | string[] | undefined> | undefined;
  for (const k in req.headers) {
    if (!k.startsWith('impersonate-')) continue;
    out ??= { ...req.headers };
    out[k] = req.headersDistinct[k];
  }
  return out ?? req.headers;
}

function handle(o: ServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket as TLSSocket;
  const engineRequest = {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    headers: engineHeaders(req),
    peerCertificate: o.clientCA ? peerCertificateOf(socket) : undefined,
    remoteAddress: socket.remoteAddress ?? '',
    body: () => readBody(req, MAX_REQUEST_BODY_BYTES),
  };
  decide(o.snapshot(), engineRequest).then(
    (d) => {
      if (d.panic !== undefined) o.logger.error(`observed a panic serving ${JSON.stringify(req.url)}: ${d.panic}`);
      // As kube's authentication filter: the reason goes to the log only; the 401 body never says.
      if (d.authentication?.kind === 'error') o.logger.error(`"Unable to authenticate the request" err=${JSON.stringify(d.authentication.message)}`);
      res.writeHead(d.response.status, wireHeaders(d));
      res.end(d.response.body);
    },
    (err: unknown) => {
      // The engine turns bad input into answers; reaching here is a bug. Never crash, never leak.
      o.logger.error(`internal error serving ${JSON.stringify(req.url)}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      }
      res.end('Internal Server Error\n');
    },
  );
}

/** Starts listening; resolves once the port is bound. */
export function startServer(o: ServerOptions): Promise<RunningServer> {
  const server = createServer(
    {
      cert: o.cert,
      key: o.key,
      minVersion: 'TLSv1.2',
      ...(o.clientCA ? { ca: o.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
      // Go's default is 1 MiB of headers; Node's 16 KiB default would reject large bearer tokens.
      maxHeaderSize: 1 << 20,
      ALPNProtocols: ['http/1.1'],
    },
    (req, res) => handle(o, req, res),
  );
  server.keepAliveTimeout = 60_000;
  const answered = new WeakSet<Socket>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // The parser keeps failing on the bytes that follow the first error; one answer per connection.
    if (answered.has(socket)) return;
    answered.add(socket);
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // Malformed HTTP never reaches the chain; answer like Go's server and close.
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`);
    // Closing with the client's bytes still unread would reset the connection and could discard the
    // answer before the client reads it; like Go's closeWriteAndWait, read on for up to 500 ms.
    socket.resume();
    setTimeout(() => socket.destroy(), 500).unref();
  });
  server.on('tlsClientError', () => {
    // A failed handshake is the client's problem; nothing to answer.
  });

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      o.onShutdownStart?.();
      if (o.shutdownDelayMs) await new Promise((r) => setTimeout(r, o.shutdownDelayMs));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await o.onDrained?.();
    })();
    return shuttingDown;
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.bindAddress, () => {
      server.off('error', reject);
      o.logger.info(`Serving securely on ${formatHostPort(server.address() as AddressInfo)}`);
      resolve({ server, address: server.address() as AddressInfo, shutdown });
    });
  });
}

export function formatHostPort(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
