/**
 * A throw-away PKI for the webhook tests, made with doorman's own issuer: a CA, a server
 * certificate for 127.0.0.1 and a client certificate (CN kube-apiserver).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate } from '../../src/util/pki.js';

export interface TestPKI {
  readonly dir: string;
  readonly caCert: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  readonly caPath: string;
}

/** Generates the PKI (P-256 keys). */
export function makePKI(): TestPKI {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-pki-'));
  const ca = issueCertificate({ subject: { commonName: 'doorman-test-ca' }, isCA: true });
  const server = issueCertificate({ subject: { commonName: '127.0.0.1' }, issuer: ca, usages: ['server'], hosts: ['127.0.0.1'] });
  const client = issueCertificate({ subject: { commonName: 'kube-apiserver' }, issuer: ca, usages: ['client'] });
  const caPath = join(dir, 'ca.crt');
  writeFileSync(caPath, ca.certPem);
  return {
    dir,
    caCert: Buffer.from(ca.certPem),
    serverCert: Buffer.from(server.certPem),
    serverKey: Buffer.from(server.keyPem),
    clientCert: Buffer.from(client.certPem),
    clientKey: Buffer.from(client.keyPem),
    caPath,
  };
}
