/**
 * What a TLS connection's client certificate says, computed once per socket: a connection's
 * certificate never changes, and asking OpenSSL for it on every request halves throughput.
 */
import type { TLSSocket, DetailedPeerCertificate } from 'node:tls';
import type { PeerCertificate } from '../authn/types.js';

const cache = new WeakMap<TLSSocket, PeerCertificate | null>();

/** OpenSSL verification codes in the words Go's x509 package uses. */
const GO_WORDS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate signed by unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate signed by unknown authority',
  CERT_HAS_EXPIRED: 'certificate has expired or is not yet valid',
  CERT_NOT_YET_VALID: 'certificate has expired or is not yet valid',
  INVALID_PURPOSE: 'certificate specifies an incompatible key usage',
  CERT_SIGNATURE_FAILURE: 'certificate signed by unknown authority',
};

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The peer certificate of `socket`, or undefined when the client sent none. */
export function peerCertificateOf(socket: TLSSocket): PeerCertificate | undefined {
  const known = cache.get(socket);
  if (known !== undefined) return known ?? undefined;
  const raw = socket.getPeerCertificate(false) as DetailedPeerCertificate | null;
  let result: PeerCertificate | null = null;
  if (raw && raw.raw) {
    const subject = (raw.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
    const code = socket.authorizationError ? String(socket.authorizationError) : undefined;
    const cn = list(subject['CN']);
    result = {
      verified: socket.authorized,
      ...(code ? { verifyError: GO_WORDS[code] ?? code } : {}),
      commonName: cn[0] ?? '',
      organizations: list(subject['O']),
      sha256: raw.fingerprint256.replace(/:/g, '').toLowerCase(),
      serialNumber: raw.serialNumber,
    };
  }
  cache.set(socket, result);
  return result ?? undefined;
}
