/**
 * A real OIDC issuer for the JWT tests: HTTPS on loopback with its own CA (doorman's issuer),
 * discovery and JWKS documents, ES256 and RS256 keys made at test time, key rotation, a
 * distributed-claims endpoint, and an issuer that can be down (connection refused) and come up
 * later on the same URL. Tokens are signed at test time with jose.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CompactSign, SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { issueCertificate, type IssuedCertificate } from '../../../src/util/pki.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface IssuerKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256' | 'PS256' | 'ES384';
  readonly privateKey: PrivateKey;
  readonly jwk: JWK;
}

export async function newKey(alg: IssuerKey['alg'], kid: string): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg };
  return { kid, alg, privateKey, jwk };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface TestIssuerOptions {
  /** Path after the origin, e.g. `/realms/a` (kube compares `iss` byte for byte). */
  readonly path?: string;
  /** Start without listening: connection refused until `start()`. */
  readonly down?: boolean;
  /** The CA to sign the serving certificate with (one CA may serve several issuers). */
  readonly ca?: IssuedCertificate;
}

export class TestIssuer {
  readonly ca: IssuedCertificate;
  readonly url: string;
  readonly port: number;
  keys: IssuerKey[] = [];
  /** Extra headers on the JWKS answer (e.g. Cache-Control). */
  jwksHeaders: Record<string, string> = {};
  /** Override of the JWKS answer's body (e.g. a document of the wrong JSON type). */
  jwksBody: string | undefined;
  /** Override of the discovery document (e.g. a wrong issuer). */
  discovery: Record<string, unknown> | undefined;
  /** Status the discovery endpoint answers with (200 normally). */
  discoveryStatus = 200;
  /** Requests seen, by path. */
  readonly hits = new Map<string, number>();
  /** What the distributed-claims endpoint answers: status and body; the bearer token it saw. */
  distributed: { status: number; body: string } = { status: 404, body: 'not found' };
  lastDistributedAuthorization: string | undefined;
  /**
   * More claim-source endpoints (kube's test server answers `/groups` and `/rabbits`): path to
   * status and body; the Authorization header each one saw is kept in `claimSourceAuthorization`.
   */
  readonly claimSources = new Map<string, { status: number; body: string }>();
  readonly claimSourceAuthorization = new Map<string, string | undefined>();
  private server: Server | undefined;
  private readonly serving: IssuedCertificate;

  private constructor(port: number, o: TestIssuerOptions) {
    this.port = port;
    this.url = `https://127.0.0.1:${port}${o.path ?? ''}`;
    this.ca = o.ca ?? issueCertificate({ subject: { commonName: 'test-issuer-ca' }, isCA: true });
    this.serving = issueCertificate({ subject: { commonName: '127.0.0.1' }, issuer: this.ca, usages: ['server'], hosts: ['127.0.0.1', 'localhost'] });
  }

  static async create(o: TestIssuerOptions = {}): Promise<TestIssuer> {
    const issuer = new TestIssuer(await freePort(), o);
    issuer.keys = [await newKey('ES256', 'es-1'), await newKey('RS256', 'rs-1')];
    if (!o.down) await issuer.start();
    return issuer;
  }

  get jwksURI(): string {
    return `${this.url}/keys`;
  }

  get distributedURL(): string {
    return `${this.url}/claims/groups`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', this.url).pathname.slice(new URL(this.url).pathname.replace(/\/$/, '').length);
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    // Any `<prefix>/.well-known/openid-configuration` (kube's discovery URLs with a path).
    if (path === '/.well-known/openid-configuration' || path === '/discovery' || path.endsWith('/.well-known/openid-configuration')) {
      if (this.discoveryStatus !== 200) return json(this.discoveryStatus, 'unavailable');
      return json(200, this.discovery ?? { issuer: this.url, jwks_uri: this.jwksURI, id_token_signing_alg_values_supported: ['ES256', 'RS256'] });
    }
    // `/.testing/keys` is where kube's TestToken server serves its key set.
    if (path === '/keys' || path === '/.testing/keys') return json(200, this.jwksBody ?? { keys: this.keys.map((k) => k.jwk) }, this.jwksHeaders);
    const source = this.claimSources.get(path);
    if (source) {
      this.claimSourceAuthorization.set(path, req.headers.authorization);
      res.writeHead(source.status, { 'Content-Type': 'application/jwt' });
      res.end(source.body);
      return;
    }
    if (path === '/claims/groups') {
      this.lastDistributedAuthorization = req.headers.authorization;
      res.writeHead(this.distributed.status, { 'Content-Type': 'application/jwt' });
      res.end(this.distributed.body);
      return;
    }
    json(404, { error: 'not found' });
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createHttpsServer({ cert: this.serving.certPem + this.ca.certPem, key: this.serving.keyPem }, (req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Adds a new key (a new kid appears in the JWKS) and returns it. */
  async rotate(alg: IssuerKey['alg'], kid: string): Promise<IssuerKey> {
    const k = await newKey(alg, kid);
    this.keys.push(k);
    return k;
  }

  /** Standard claims for this issuer, valid for an hour. */
  claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { iss: this.url, aud: 'doorman', sub: 'alice', iat: now, exp: now + 3600, ...extra };
  }

  /** A token signed with `key` (default: the first, ES256). */
  async sign(claims: Record<string, unknown>, key: IssuerKey | undefined = this.keys[0], header: Record<string, unknown> = {}): Promise<string> {
    if (!key) throw new Error('no key');
    return new SignJWT(claims as Record<string, never>).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
  }

  /** Signs an arbitrary payload string (for claims that are not a JSON object and the like). */
  async signRaw(payload: string, key: IssuerKey | undefined = this.keys[0]): Promise<string> {
    if (!key) throw new Error('no key');
    return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
  }

  /** The authenticator entry for this issuer, as YAML lines under `jwt:`. */
  yaml(rest = '', audiences: readonly string[] = ['doorman']): string {
    const ca = this.ca.certPem
      .trim()
      .split('\n')
      .map((l) => `        ${l}`)
      .join('\n');
    return [
      '- issuer:',
      `    url: ${this.url}`,
      `    audiences: [${audiences.join(', ')}]`,
      ...(audiences.length > 1 ? ['    audienceMatchPolicy: MatchAny'] : []),
      '    certificateAuthority: |',
      ca,
      rest,
    ].join('\n');
  }
}

/** An unsigned token with any header and payload (alg none, HS256 forgeries, garbage). */
export function unsignedToken(header: unknown, payload: unknown, signature = ''): string {
  const b = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  return `${b(header)}.${b(payload)}.${signature}`;
}
