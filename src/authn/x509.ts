/**
 * The x509 client-certificate authenticator: a certificate verified against `--client-ca-file`
 * names the user by its Subject CN and the groups by its Subject O entries. Verification itself
 * happens once per TLS connection (see PeerCertificate); this only maps the result.
 */
import type { Authenticator, AuthenticationResult, PeerCertificate } from './types.js';

const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });

/** Extra key kube-apiserver (1.32+) sets to identify the credential. */
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';

export function x509Authenticator(): Authenticator {
  // A connection's certificate is one object for its lifetime: answer it once.
  const answers = new WeakMap<PeerCertificate, AuthenticationResult>();
  return {
    name: 'x509',
    authenticate(req): AuthenticationResult {
      const cert = req.peerCertificate;
      if (!cert) return NONE;
      let answer = answers.get(cert);
      if (!answer) {
        answer = authenticateCertificate(cert);
        answers.set(cert, answer);
      }
      return answer;
    },
  };
}

function authenticateCertificate(cert: PeerCertificate): AuthenticationResult {
  if (!cert.verified) {
    return { kind: 'error', message: `verifying certificate SN=${cert.serialNumber} failed: x509: ${cert.verifyError ?? 'certificate signed by unknown authority'}` };
  }
  if (cert.commonName === '') return NONE;
  return Object.freeze({
    kind: 'authenticated',
    authenticator: 'x509',
    user: Object.freeze({
      name: cert.commonName,
      uid: '',
      groups: Object.freeze([...cert.organizations]),
      extra: Object.freeze({ [CREDENTIAL_ID_KEY]: Object.freeze([`X509SHA256=${cert.sha256}`]) }),
    }),
  });
}
