/**
 * The kubeconfig a client uses to reach a doorman server: the server URL, the serving certificate
 * to trust (embedded), and one user with a credential doorman accepts: a bearer token taken from
 * the `--token-auth-file` doorman serves with, or a client certificate issued here under the CA
 * whose certificate doorman serves with as `--client-ca-file`. Everything is embedded, so the file
 * works from any directory. `doorman kubeconfig` is the command line over these functions.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { stringify } from 'yaml';
import { parseCsv } from '../authn/tokenfile.js';
import { DoormanError } from '../errors.js';
import { issueCertificate, issuerFromCertificate, loadPrivateKey } from '../util/pki.js';

/** A kubeconfig user: exactly one of a token or a client certificate and key. */
export type KubeconfigCredential =
  | { readonly token: string }
  | { readonly clientCertificatePem: string; readonly clientKeyPem: string };

export interface KubeconfigOptions {
  /** `https://host:port`. */
  readonly server: string;
  /** PEM of the certificate(s) clients should trust for the server. */
  readonly certificateAuthorityPem: string;
  /** The user entry's name (the user name doorman will see). */
  readonly userName: string;
  readonly credential: KubeconfigCredential;
  /** Cluster entry name; `doorman` by default. */
  readonly clusterName?: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * Renders a v1 Config with one cluster, one user and a current context joining them.
 *
 * @example
 * renderKubeconfig({ server: 'https://127.0.0.1:6443', certificateAuthorityPem: ca, userName: 'alice', credential: { token: 't' } })
 */
export function renderKubeconfig(o: KubeconfigOptions): string {
  const cluster = o.clusterName ?? 'doorman';
  const context = `${o.userName}@${cluster}`;
  const user =
    'token' in o.credential
      ? { token: o.credential.token }
      : { 'client-certificate-data': b64(o.credential.clientCertificatePem), 'client-key-data': b64(o.credential.clientKeyPem) };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: o.server, 'certificate-authority-data': b64(o.certificateAuthorityPem) } }],
    users: [{ name: o.userName, user }],
    contexts: [{ name: context, context: { cluster, user: o.userName } }],
    'current-context': context,
  };
  return stringify(config, { lineWidth: 0 });
}

/**
 * The token of `user` in token-file text (the first row naming that user), as doorman reads the
 * file. Throws a DoormanError naming the file when the user has no token there.
 *
 * @example
 * tokenForUser('t1,alice,1001,"dev"\n', 'tokens.csv', 'alice') // 't1'
 */
export function tokenForUser(text: string, path: string, user: string): string {
  for (const row of parseCsv(text)) {
    const [token = '', name = ''] = row;
    if (name === user && token !== '') return token;
  }
  throw new DoormanError('CONFIG_INVALID', `no token for user ${JSON.stringify(user)} in token file '${path}'`);
}

/** Checks that a PEM bundle holds at least one certificate; returns it unchanged. */
export function requireCertificates(pem: string, what: string): string {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new DoormanError('CONFIG_DECODE', `${what}: data does not contain any valid RSA or ECDSA certificates`);
  try {
    new X509Certificate(pem);
  } catch (e) {
    throw new DoormanError('CONFIG_DECODE', `${what}: ${(e as Error).message}`);
  }
  return pem;
}

export interface ClientCertificateRequest {
  readonly caCertificatePem: string;
  readonly caKeyPem: string;
  /** Becomes the certificate's CommonName: doorman's user name. */
  readonly user: string;
  /** Become Organizations: doorman's groups. */
  readonly groups: readonly string[];
  readonly validityMs: number;
  /** Start of validity; now by default (a minute is subtracted for clock skew). */
  readonly now?: Date;
}

/**
 * Issues a client certificate (EC P-256, client auth) for `user` and `groups` under an existing CA,
 * named with the CA's own subject bytes and key identifier so any verifier chains it.
 *
 * @example
 * const { certPem, keyPem } = issueClientCertificate({ caCertificatePem, caKeyPem, user: 'bob', groups: ['dev'], validityMs: 3600_000 });
 */
export function issueClientCertificate(r: ClientCertificateRequest): { readonly certPem: string; readonly keyPem: string } {
  let key: KeyObject;
  try {
    key = loadPrivateKey(r.caKeyPem);
  } catch (e) {
    throw new DoormanError('CONFIG_DECODE', `unable to load the client CA key: ${(e as Error).message}`);
  }
  const issuer = issuerFromCertificate(requireCertificates(r.caCertificatePem, 'client CA certificate'), key);
  if (!issuer.isCA) throw new DoormanError('CONFIG_INVALID', 'the client CA certificate is not a CA (basicConstraints CA:TRUE is missing)');
  const spki = (k: KeyObject): string => k.export({ type: 'spki', format: 'der' }).toString('base64');
  if (spki(issuer.publicKey) !== spki(createPublicKey(key))) {
    throw new DoormanError('CONFIG_INVALID', 'the client CA key does not match the client CA certificate');
  }
  const now = r.now ?? new Date();
  const issued = issueCertificate({
    subject: { commonName: r.user, organizations: r.groups },
    issuer,
    usages: ['client'],
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + r.validityMs),
  });
  return { certPem: issued.certPem, keyPem: issued.keyPem };
}
