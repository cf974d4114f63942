/**
 * The HTTP client a JWT authenticator talks to its issuer with (discovery, JWKS, distributed
 * claims): node:https with the issuer's `certificateAuthority` as the only trust roots when set
 * (the host's roots otherwise), kube-apiserver's 30 s timeout, a bounded response size, and
 * errors worded like Go's net/http (`Get "<url>": <reason>`) since they end up in kube's messages.
 */
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest, STATUS_CODES, type IncomingHttpHeaders } from 'node:http';

/** kube-apiserver's OIDC client timeout. */
export const ISSUER_TIMEOUT_MS = 30_000;
/** Larger answers are refused: a discovery document or key set is a few KiB. */
const MAX_BODY_BYTES = 8 << 20;

export interface IssuerResponse {
  readonly status: number;
  /** Go's resp.Status, e.g. `404 Not Found`. */
  readonly statusLine: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * The response arrived but its body could not be read (`unable to read response body: <reason>`):
 * go-oidc words this failure itself, without the `get keys failed` its request errors carry.
 */
export class ResponseBodyError extends Error {
  override readonly name = 'ResponseBodyError';
}

export interface IssuerClient {
  /**
   * GETs `url`; rejects with an Error worded like Go's client error. Never follows redirects.
   * `as` is the URL errors name (a rewritten discovery request is reported under the original).
   */
  get(url: string, o?: { readonly headers?: Readonly<Record<string, string>>; readonly as?: string }): Promise<IssuerResponse>;
  /** Closes idle connections. */
  close(): void;
}

/** Go's wording for the TLS verification failures OpenSSL reports by code. */
function transportReason(err: NodeJS.ErrnoException & { reason?: string }): string {
  switch (err.code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: ${err.reason ?? 'certificate is not valid for this host'}`;
    case 'ECONNREFUSED':
      return `dial tcp ${(err as { address?: string }).address ?? ''}:${(err as { port?: number }).port ?? ''}: connect: connection refused`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${(err as { hostname?: string }).hostname ?? ''}: no such host`;
    default:
      return err.message;
  }
}

/**
 * Builds a client; `ca` is PEM text.
 *
 * @example
 * const c = issuerClient({ ca: pem });
 * const r = await c.get('https://issuer.example/.well-known/openid-configuration');
 */
export function issuerClient(o: { readonly ca?: string | undefined; readonly timeoutMs?: number } = {}): IssuerClient {
  const timeoutMs = o.timeoutMs ?? ISSUER_TIMEOUT_MS;
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 4, ...(o.ca ? { ca: o.ca } : {}) });
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  return {
    get(url, opts = {}) {
      const headers = opts.headers ?? {};
      const shown = opts.as ?? url;
      return new Promise((resolve, reject) => {
        let u: URL;
        try {
          u = new URL(url);
        } catch {
          reject(new Error(`Get ${JSON.stringify(shown)}: unsupported protocol scheme ""`));
          return;
        }
        const secure = u.protocol === 'https:';
        if (!secure && u.protocol !== 'http:') {
          reject(new Error(`Get ${JSON.stringify(shown)}: unsupported protocol scheme ${JSON.stringify(u.protocol.replace(/:$/, ''))}`));
          return;
        }
        const fail = (e: Error): void => reject(new Error(`Get ${JSON.stringify(shown)}: ${transportReason(e as NodeJS.ErrnoException)}`));
        const req = (secure ? httpsRequest : httpRequest)(
          u,
          { method: 'GET', headers: { 'User-Agent': 'doorman', ...headers }, agent: secure ? httpsAgent : httpAgent, timeout: timeoutMs },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_BODY_BYTES) {
                res.destroy(new Error(`response body larger than ${MAX_BODY_BYTES} bytes`));
                return;
              }
              chunks.push(c);
            });
            res.on('error', (e) => reject(new ResponseBodyError(`unable to read response body: ${e.message}`)));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              resolve({ status, statusLine: `${status} ${res.statusMessage || STATUS_CODES[status] || ''}`.trimEnd(), headers: res.headers, body: Buffer.concat(chunks) });
            });
          },
        );
        // Whole-request deadline, as Go's http.Client.Timeout: connection, headers and body.
        // The deadline timer is what keeps a process alive while a request is awaited (the socket
        // itself is unref'd below): `doorman check --token` must wait for its key set.
        const deadline = setTimeout(() => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')), timeoutMs);
        req.on('close', () => clearTimeout(deadline));
        req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
        req.on('error', fail);
        // An idle connection to an issuer never keeps the process alive (`doorman validate` must exit).
        req.on('socket', (socket) => socket.unref());
        req.end();
      });
    },
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
