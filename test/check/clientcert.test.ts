/**
 * `check --client-cert`: node:crypto verification against the client CA gives what OpenSSL gives
 * the server (verified, Go's words for the failure, CN, O, SHA-256, serial), including chains
 * through an intermediate sent along with the leaf.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { makePki } from '../helpers/tls.js';
import { issueCertificate } from '../../src/util/pki.js';
import { peerCertificateFromPem } from '../../src/check/clientcert.js';

const pki = makePki();
const ca = pki.clientCA.certPem;

test('a client certificate from the CA: CN, O in order, fingerprint and serial as TLS reports them', () => {
  const bob = pki.client('bob', ['readers', 'dev']);
  const peer = peerCertificateFromPem(bob.certPem, ca);
  const x = new X509Certificate(bob.certPem);
  assert.deepEqual(peer, {
    verified: true,
    commonName: 'bob',
    organizations: ['readers', 'dev'],
    sha256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
    serialNumber: x.serialNumber,
  });
});

test('failures in Go words: unknown authority, key usage, expiry; an empty CN is still verified', () => {
  const other = peerCertificateFromPem(pki.client('mallory', [], { issuer: pki.otherCA }).certPem, ca);
  assert.equal(other.verified, false);
  assert.equal(other.verifyError, 'certificate signed by unknown authority');
  const server = peerCertificateFromPem(pki.client('web', [], { usages: ['server'] }).certPem, ca);
  assert.equal(server.verifyError, 'certificate specifies an incompatible key usage');
  const old = pki.client('old', [], { notBefore: new Date(Date.now() - 2 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
  assert.equal(peerCertificateFromPem(old.certPem, ca).verifyError, 'certificate has expired or is not yet valid');
  const soon = pki.client('soon', [], { notBefore: new Date(Date.now() + 86400_000), notAfter: new Date(Date.now() + 2 * 86400_000) });
  assert.equal(peerCertificateFromPem(soon.certPem, ca).verifyError, 'certificate has expired or is not yet valid');
  const nameless = peerCertificateFromPem(pki.client('', ['system:masters']).certPem, ca);
  assert.equal(nameless.verified, true);
  assert.equal(nameless.commonName, '');
});

test('a chain through an intermediate verifies only when the intermediate is sent along', () => {
  const intermediate = issueCertificate({ subject: { commonName: 'intermediate' }, isCA: true, issuer: pki.clientCA });
  const leaf = issueCertificate({ subject: { commonName: 'carol', organizations: ['ops'] }, issuer: intermediate, usages: ['client'] });
  assert.equal(peerCertificateFromPem(leaf.certPem + intermediate.certPem, ca).verified, true);
  assert.equal(peerCertificateFromPem(leaf.certPem, ca).verifyError, 'certificate signed by unknown authority');
  // A bundle of several CAs: any of them will do.
  assert.equal(peerCertificateFromPem(leaf.certPem + intermediate.certPem, pki.otherCA.certPem + ca).verified, true);
});

test('files without a certificate are input errors naming the file role', () => {
  assert.throws(() => peerCertificateFromPem('hello', ca), /^Error: client certificate: no PEM certificate found$|client certificate: no PEM certificate found/);
  assert.throws(() => peerCertificateFromPem(pki.client('x').certPem, 'nope'), /client CA: no PEM certificate found/);
  assert.throws(() => peerCertificateFromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', ca), /client certificate: certificate 1 is not valid X\.509/);
});
