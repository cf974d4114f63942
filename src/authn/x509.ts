/**
 * The x509 client-certificate authenticator: a certificate verified against `--client-ca-file`
 * names the user by its Subject CN and the groups by its Subject O entries. Verification itself
 * happens once per TLS connection (see PeerCertificate); this only maps the result.
 */
import type { Authenticator, AuthenticationResult } from './types.js';

const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });

/** Extra key kube-apiserver (1.32+) sets to identify the credential. */
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';

export function x509Authenticator(): Authenticator {
  return {
    name: 'x509',
    authenticate(req): AuthenticationResult {
      const cert = req.peerCertificate;
      if (!cert) return NONE;
      if (!cert.verified) {
        return { kind: 'error', message: `verifying certificate SN=${cert.serialNumber} failed: x509: ${cert.verifyError ?? 'certificate signed by unknown authority'}` };
      }
      if (cert.commonName === '') return NONE;
      return {
        kind: 'authenticated',
        authenticator: 'x509',
        user: {
          name: cert.commonName,
          uid: '',
          groups: cert.organizations,
          extra: { [CREDENTIAL_ID_KEY]: [`X509SHA256=${cert.sha256}`] },
        },
      };
    },
  };
}
