/**
 * `doorman check --client-cert FILE`: what the TLS layer would establish about a client
 * certificate, without a handshake. The certificate (and any intermediates after it in the file)
 * is verified against the `--client-ca-file` bundle with node:crypto: a chain to a CA in the
 * bundle, the client-auth extended key usage along the chain, and the validity period. The result
 * is the PeerCertificate the server builds from a TLS socket (src/server/peer.ts), field for
 * field, so the x509 authenticator cannot tell the two apart.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from '../authn/types.js';
import { DoormanError } from '../errors.js';

/** The EKU OIDs that allow client authentication (clientAuth, anyExtendedKeyUsage). */
const CLIENT_AUTH_OIDS: ReadonlySet<string> = new Set(['1.3.6.1.5.5.7.3.2', '2.5.29.37.0']);

/** Go's x509 words for the three ways verification fails here (as src/server/peer.ts maps OpenSSL's codes). */
const UNKNOWN_AUTHORITY = 'certificate signed by unknown authority';
const BAD_USAGE = 'certificate specifies an incompatible key usage';
const EXPIRED = 'certificate has expired or is not yet valid';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle, in file order. Throws a DoormanError naming `what` when there is none or one is corrupt. */
export function parseCertificates(pem: string, what: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new DoormanError('REQUEST_INVALID', `${what}: no PEM certificate found`);
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new DoormanError('REQUEST_INVALID', `${what}: certificate ${i + 1} is not valid X.509: ${(e as Error).message}`, { cause: e });
    }
  });
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/** The chain from `leaf` up to a certificate in `roots`, or undefined when none is found. */
function buildChain(leaf: X509Certificate, intermediates: readonly X509Certificate[], roots: readonly X509Certificate[]): X509Certificate[] | undefined {
  const chain = [leaf];
  const unused = [...intermediates];
  for (let depth = 0; depth < 10; depth++) {
    const current = chain[chain.length - 1] as X509Certificate;
    if (roots.some((r) => signedBy(current, r))) return chain;
    const next = unused.findIndex((i) => i.ca && signedBy(current, i));
    if (next < 0) return undefined;
    chain.push(...unused.splice(next, 1));
  }
  return undefined;
}

/** Why the chain fails, in the order OpenSSL checks (chain, then purpose, then time), or undefined when it verifies. */
function verifyError(leaf: X509Certificate, intermediates: readonly X509Certificate[], roots: readonly X509Certificate[], now: Date): string | undefined {
  const chain = buildChain(leaf, intermediates, roots);
  if (!chain) return UNKNOWN_AUTHORITY;
  for (const c of chain) {
    const eku = c.keyUsage as string[] | undefined;
    if (eku !== undefined && !eku.some((oid) => CLIENT_AUTH_OIDS.has(oid))) return BAD_USAGE;
  }
  for (const c of chain) {
    if (now < new Date(c.validFrom) || now > new Date(c.validTo)) return EXPIRED;
  }
  return undefined;
}

/**
 * The PeerCertificate a TLS handshake would give for `certPem` (leaf first, then any
 * intermediates) against the client CA bundle `caPem`.
 *
 * @example
 * const peer = peerCertificateFromPem(readFileSync('bob.crt', 'utf8'), readFileSync('ca.crt', 'utf8'));
 * peer.verified // true when the CA signed it for client auth and it is current
 */
export function peerCertificateFromPem(certPem: string, caPem: string, now: Date = new Date()): PeerCertificate {
  const [leaf, ...intermediates] = parseCertificates(certPem, 'client certificate');
  if (!leaf) throw new DoormanError('REQUEST_INVALID', 'client certificate: no PEM certificate found');
  const roots = parseCertificates(caPem, 'client CA');
  const error = verifyError(leaf, intermediates, roots, now);
  const legacy = leaf.toLegacyObject();
  const subject = (legacy.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  return {
    verified: error === undefined,
    ...(error !== undefined ? { verifyError: error } : {}),
    commonName: list(subject['CN'])[0] ?? '',
    organizations: list(subject['O']),
    sha256: legacy.fingerprint256.replace(/:/g, '').toLowerCase(),
    serialNumber: legacy.serialNumber,
  };
}
