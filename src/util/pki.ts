/**
 * A small X.509 issuer built on node:crypto: enough DER to make a self-signed serving certificate
 * for `--cert-dir` (as kube-apiserver does when no certificate is given) and, in tests, a client
 * CA with client certificates. ECDSA P-256 keys, SHA-256 signatures.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}
const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && ((b[1] ?? 0) & 0x80) === 0) b = b.subarray(1);
  if (((b[0] ?? 0) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.from([unused]), b);
const octets = (b: Buffer): Buffer => tlv(0x04, b);
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

/** A certificate subject: common name and organizations (kube-apiserver reads O as groups). */
export interface Subject {
  readonly commonName: string;
  readonly organizations?: readonly string[];
}

function name(s: Subject): Buffer {
  const rdns = (s.organizations ?? []).map((o) => set(seq(oid('2.5.4.10'), utf8(o))));
  if (s.commonName !== '') rdns.push(set(seq(oid('2.5.4.3'), utf8(s.commonName))));
  return seq(...rdns);
}

function keyUsageBits(bits: readonly number[]): Buffer {
  let v = 0;
  for (const b of bits) v |= 0x80 >> b;
  let unused = 0;
  while (unused < 8 && (v & (1 << unused)) === 0) unused++;
  return bitString(Buffer.from([v]), unused);
}

function ext(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), tlv(0x01, Buffer.from([0xff])), octets(value)) : seq(oid(id), octets(value));
}

/** Who signs: a certificate's subject and key. */
export interface Issuer {
  readonly subject: Subject;
  readonly key: KeyObject;
  readonly publicKey: KeyObject;
  /**
   * The issuer's subject exactly as its own certificate encodes it. Verifiers compare names byte
   * for byte, so a CA doorman did not make must be named with these bytes, not re-encoded.
   */
  readonly rawSubject?: Buffer;
  /**
   * The issuer's subject key identifier, copied into the authority key identifier; `null` when the
   * issuer certificate has none (then none is written). Default: computed from the public key.
   */
  readonly keyIdentifier?: Buffer | null;
}

export interface IssueOptions {
  readonly subject: Subject;
  /** Issuer certificate and key; omitted for a self-signed certificate. */
  readonly issuer?: Issuer;
  readonly isCA?: boolean;
  readonly usages?: readonly ('server' | 'client')[];
  /** DNS names and IP addresses for subjectAltName. */
  readonly hosts?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly key?: KeyObject;
}

export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly key: KeyObject;
  readonly publicKey: KeyObject;
  readonly subject: Subject;
}

function keyId(pub: KeyObject): Buffer {
  return createHash('sha1').update(pub.export({ type: 'spki', format: 'der' })).digest();
}

/** The signature AlgorithmIdentifier and digest for a signing key (ECDSA, RSA or Ed25519). */
function signatureAlgorithm(key: KeyObject): { readonly alg: Buffer; readonly digest: string | null } {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { alg: seq(oid('1.2.840.113549.1.1.11'), tlv(0x05, Buffer.alloc(0))), digest: 'sha256' };
    case 'ed25519':
      return { alg: seq(oid('1.3.101.112')), digest: null };
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return { alg: seq(oid('1.2.840.10045.4.3.3')), digest: 'sha384' };
      if (curve === 'secp521r1') return { alg: seq(oid('1.2.840.10045.4.3.4')), digest: 'sha512' };
      return { alg: seq(oid('1.2.840.10045.4.3.2')), digest: 'sha256' };
    }
    default:
      throw new TypeError(`cannot sign certificates with a ${key.asymmetricKeyType ?? 'unknown'} key`);
  }
}

/**
 * Issues an X.509 v3 certificate.
 * @example
 * const ca = issueCertificate({ subject: { commonName: 'test-ca' }, isCA: true });
 * const alice = issueCertificate({ subject: { commonName: 'alice', organizations: ['dev'] }, issuer: ca, usages: ['client'] });
 */
export function issueCertificate(opts: IssueOptions): IssuedCertificate {
  const key = opts.key ?? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const publicKey = createPublicKey(key);
  const signer: Issuer = opts.issuer ?? { subject: opts.subject, key, publicKey };
  const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  const { alg: sigAlg, digest } = signatureAlgorithm(signer.key);
  const extensions: Buffer[] = [];
  extensions.push(ext('2.5.29.15', true, keyUsageBits(opts.isCA ? [0, 2, 5] : [0, 2])));
  const usages = opts.usages ?? [];
  if (usages.length > 0) {
    extensions.push(ext('2.5.29.37', false, seq(...usages.map((u) => oid(u === 'server' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2')))));
  }
  extensions.push(ext('2.5.29.19', true, opts.isCA ? seq(tlv(0x01, Buffer.from([0xff]))) : seq()));
  extensions.push(ext('2.5.29.14', false, octets(keyId(publicKey))));
  const authorityKeyId = signer.keyIdentifier === undefined ? keyId(signer.publicKey) : signer.keyIdentifier;
  if (opts.issuer && authorityKeyId) extensions.push(ext('2.5.29.35', false, seq(tlv(0x80, authorityKeyId))));
  const hosts = opts.hosts ?? [];
  if (hosts.length > 0) {
    const names = hosts.map((h) => {
      if (isIP(h) === 4) return tlv(0x87, Buffer.from(h.split('.').map(Number)));
      if (isIP(h) === 6) return tlv(0x87, ipv6Bytes(h));
      return tlv(0x82, Buffer.from(h, 'ascii'));
    });
    extensions.push(ext('2.5.29.17', false, seq(...names)));
  }
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    sigAlg,
    signer.rawSubject ?? name(signer.subject),
    seq(time(notBefore), time(notAfter)),
    name(opts.subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sign(digest, tbs, signer.key);
  const der = seq(tbs, sigAlg, bitString(signature));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    key,
    publicKey,
    subject: opts.subject,
  };
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Loads a PEM private key. */
export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

/** One DER element: tag, where its content starts, and where it ends. */
function readElement(der: Buffer, at: number): { tag: number; content: number; end: number } {
  const tag = der[at] ?? 0;
  let len = der[at + 1] ?? 0;
  let content = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[content + i] ?? 0);
    content += n;
  }
  return { tag, content, end: content + len };
}

/** The children of a constructed DER element. */
function children(der: Buffer, el: { content: number; end: number }): { tag: number; start: number; content: number; end: number }[] {
  const out: { tag: number; start: number; content: number; end: number }[] = [];
  for (let at = el.content; at < el.end; ) {
    const c = readElement(der, at);
    out.push({ ...c, start: at });
    at = c.end;
  }
  return out;
}

/**
 * Reads what issuing under an existing CA certificate needs: its raw subject, its subject key
 * identifier (null when absent), its public key and whether it is a CA. Throws on a PEM that
 * holds no certificate.
 *
 * @example
 * const ca = issuerFromCertificate(readFileSync('ca.crt', 'utf8'), loadPrivateKey(readFileSync('ca.key', 'utf8')));
 * issueCertificate({ subject: { commonName: 'alice' }, issuer: ca, usages: ['client'] });
 */
export function issuerFromCertificate(pem: string, key: KeyObject): Issuer & { readonly isCA: boolean } {
  const x = new X509Certificate(pem);
  const der = x.raw;
  const tbs = children(der, readElement(der, 0))[0];
  if (!tbs) throw new TypeError('certificate has no TBSCertificate');
  const fields = children(der, tbs);
  // version [0] is optional; then serial, signature, issuer, validity, subject.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (!subject) throw new TypeError('certificate has no subject');
  let keyIdentifier: Buffer | null = null;
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (extensions) {
    for (const e of children(der, children(der, extensions)[0] ?? { content: 0, end: 0 })) {
      const [id, ...rest] = children(der, e);
      const value = rest[rest.length - 1];
      if (id && value && der.subarray(id.start, id.end).equals(oid('2.5.29.14'))) {
        const inner = readElement(der, value.content);
        keyIdentifier = Buffer.from(der.subarray(inner.content, inner.end));
      }
    }
  }
  return {
    subject: { commonName: '' },
    rawSubject: Buffer.from(der.subarray(subject.start, subject.end)),
    keyIdentifier,
    key,
    publicKey: x.publicKey,
    isCA: x.ca,
  };
}
