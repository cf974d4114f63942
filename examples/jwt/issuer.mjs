// A demo OIDC issuer on https://127.0.0.1:8443 for trying doorman's JWT authenticators: its own
// CA, a discovery document, an ES256 key set, and (demo only!) a /demo-token endpoint that signs
// a token for any email and groups. It writes .doorman/jwt/authentication-config.yaml with its CA
// inlined, so `doorman serve --authentication-config=...` trusts it. Needs `npm ci` (dist/, jose).
import { createServer } from 'node:https';
import { mkdirSync, writeFileSync } from 'node:fs';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { issueCertificate } from '../../dist/util/pki.js';

const port = Number(process.env.PORT ?? 8443);
const url = `https://127.0.0.1:${port}`;
const ca = issueCertificate({ subject: { commonName: 'doorman demo issuer CA' }, isCA: true });
const serving = issueCertificate({ subject: { commonName: '127.0.0.1' }, issuer: ca, usages: ['server'], hosts: ['127.0.0.1', 'localhost'] });
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'demo-1', use: 'sig', alg: 'ES256' };

const config = `# Written by examples/jwt/issuer.mjs: its JWT authenticator next to the hardened anonymous section.
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
  - path: /livez
  - path: /readyz
  - path: /healthz
jwt:
- issuer:
    url: ${url}
    audiences: [doorman]
    certificateAuthority: |
${ca.certPem.trim().split('\n').map((l) => `      ${l}`).join('\n')}
  claimValidationRules:
  - expression: claims.email_verified == true
    message: the email address must be verified
  claimMappings:
    username:
      expression: "'oidc:' + claims.email"
    groups:
      claim: groups
      prefix: "oidc:"
  userValidationRules:
  - expression: "!user.username.startsWith('oidc:system:')"
    message: "names starting with system: are reserved"
`;
mkdirSync('.doorman/jwt', { recursive: true });
writeFileSync('.doorman/jwt/authentication-config.yaml', config);

createServer({ cert: serving.certPem + ca.certPem, key: serving.keyPem }, async (req, res) => {
  const u = new URL(req.url ?? '/', url);
  const json = (body) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (u.pathname === '/.well-known/openid-configuration') return json({ issuer: url, jwks_uri: `${url}/keys`, id_token_signing_alg_values_supported: ['ES256'] });
  if (u.pathname === '/keys') return json({ keys: [jwk] });
  if (u.pathname === '/demo-token') {
    const email = u.searchParams.get('email') ?? 'ada@example.com';
    const token = await new SignJWT({ email, email_verified: u.searchParams.get('verified') !== 'false', groups: u.searchParams.getAll('group') })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
      .setIssuer(url)
      .setAudience('doorman')
      .setSubject(email)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    return res.end(token);
  }
  res.writeHead(404).end();
}).listen(port, '127.0.0.1', () => console.error(`demo issuer on ${url}; wrote .doorman/jwt/authentication-config.yaml`));
