/**
 * `doorman kubeconfig` as a real process: the token and client-certificate kubeconfigs, the
 * certificates it issues under EC, RSA and openssl-made CAs (checked with Node's X509 and with
 * openssl), and its errors.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { issueCertificate } from '../../src/util/pki.js';
import { runCli } from '../helpers/cli.js';
import { kubeconfigFor, type KubeconfigFlags } from '../../src/cli/kubeconfig.js';

const TOKENS = new URL('../fixtures/tokens.csv', import.meta.url).pathname;

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

let dir: string;
let certDir: string;
let servingPem: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'doorman-kubeconfig-'));
  certDir = join(dir, 'certs');
  const serving = issueCertificate({ subject: { commonName: 'localhost' }, isCA: true, usages: ['server'], hosts: ['127.0.0.1'] });
  servingPem = serving.certPem;
  execFileSync('mkdir', ['-p', certDir]);
  writeFileSync(join(certDir, 'apiserver.crt'), servingPem);
});

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

// Each case is its own process; they run side by side.
describe('the command', { concurrency: true }, () => {
  test('a token kubeconfig: serve\'s defaults, the generated serving certificate, the user\'s token', async () => {
    const r = await runCli(['kubeconfig', '--user=alice', `--token-auth-file=${TOKENS}`, `--cert-dir=${certDir}`]);
    assert.equal(r.code, 0, r.stderr);
    const kc = parse(r.stdout) as Kubeconfig;
    assert.deepEqual(kc.clusters[0]?.cluster.server, 'https://127.0.0.1:6443');
    assert.equal(b64(kc.clusters[0]?.cluster['certificate-authority-data'] ?? ''), servingPem);
    assert.deepEqual(kc.users, [{ name: 'alice', user: { token: 'alice-token' } }]);
    assert.deepEqual(kc.contexts, [{ name: 'alice@doorman', context: { cluster: 'doorman', user: 'alice' } }]);
    assert.equal(kc['current-context'], 'alice@doorman');
    assert.match(r.stdout, /^apiVersion: v1\nkind: Config\n/);
  });

  test('--output writes a 0600 file and prints nothing on stdout', async () => {
    const out = join(dir, 'out.kubeconfig');
    const r = await runCli(['kubeconfig', '--user=admin', `--token-auth-file=${TOKENS}`, `--tls-cert-file=${join(certDir, 'apiserver.crt')}`, '--server=https://doorman.example:443', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const kc = parse(readFileSync(out, 'utf8')) as Kubeconfig;
    assert.equal(kc.clusters[0]?.cluster.server, 'https://doorman.example:443');
    assert.equal(kc.users[0]?.user['token'], 'admin-token');
  });

  /** Runs the CLI for a client certificate and returns it with its key. */
  async function issue(caCert: string, caKey: string, args: string[] = []): Promise<{ cert: X509Certificate; keyPem: string }> {
    const r = await runCli(['kubeconfig', '--user=bob', `--client-ca-file=${caCert}`, `--client-ca-key-file=${caKey}`, `--cert-dir=${certDir}`, ...args]);
    assert.equal(r.code, 0, r.stderr);
    const kc = parse(r.stdout) as Kubeconfig;
    const user = kc.users[0]?.user ?? {};
    return { cert: new X509Certificate(b64(user['client-certificate-data'] ?? '')), keyPem: b64(user['client-key-data'] ?? '') };
  }

  test('a client certificate under an EC CA: CN the user, O the groups, client auth, chained to the CA', async () => {
    const ca = issueCertificate({ subject: { commonName: 'doorman-client-ca', organizations: ['ops'] }, isCA: true });
    const caCert = join(dir, 'ec-ca.crt');
    const caKey = join(dir, 'ec-ca.key');
    writeFileSync(caCert, ca.certPem);
    writeFileSync(caKey, ca.keyPem);
    const { cert, keyPem } = await issue(caCert, caKey, ['--group=dev', '--group=ops, eu', '--client-cert-validity=2h']);
    assert.equal(cert.subject, 'O=dev\nO=ops\\, eu\nCN=bob');
    assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
    assert.ok(cert.verify(ca.publicKey));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    const hours = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 3_600_000;
    assert.ok(hours > 2 && hours < 2.1, String(hours));
    assert.ok(cert.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(keyPem))));
  });

  test('a client certificate under an openssl-made RSA CA verifies with openssl', async () => {
    const caCert = join(dir, 'rsa-ca.crt');
    const caKey = join(dir, 'rsa-ca.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '1', '-subj', '/CN=kubernetes/O=Example Org'], { stdio: 'ignore' });
    const { cert } = await issue(caCert, caKey, ['--group=dev']);
    const leaf = join(dir, 'rsa-leaf.crt');
    writeFileSync(leaf, cert.toString());
    const out = execFileSync('openssl', ['verify', '-CAfile', caCert, '-purpose', 'sslclient', leaf], { encoding: 'utf8' });
    assert.equal(out.trim(), `${leaf}: OK`);
    assert.equal(cert.issuer, new X509Certificate(readFileSync(caCert)).subject);
  });

  test('a CA without a subject key identifier: no authority key identifier, still verifies', async () => {
    const caCert = join(dir, 'noski-ca.crt');
    const caKey = join(dir, 'noski-ca.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '1', '-subj', '/CN=old-ca', '-addext', 'subjectKeyIdentifier=none', '-addext', 'authorityKeyIdentifier=none', '-addext', 'basicConstraints=critical,CA:TRUE'], { stdio: 'ignore' });
    const { cert } = await issue(caCert, caKey);
    const leaf = join(dir, 'noski-leaf.crt');
    writeFileSync(leaf, cert.toString());
    assert.equal(execFileSync('openssl', ['verify', '-CAfile', caCert, leaf], { encoding: 'utf8' }).trim(), `${leaf}: OK`);
    const text = execFileSync('openssl', ['x509', '-in', leaf, '-noout', '-text'], { encoding: 'utf8' });
    assert.ok(!text.includes('Authority Key Identifier'));
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA384/);
  });
});

test('errors: exit 1 with the message on stderr', async () => {
  const r = await runCli(['kubeconfig', `--cert-dir=${certDir}`, `--token-auth-file=${TOKENS}`]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'Error: --user is required\n');
});

test('the server URL comes from serve\'s listening flags unless --server is given', () => {
  const server = (f: Partial<KubeconfigFlags>): string | undefined => {
    const kc = parse(kubeconfigFor({ clientCertValidity: 1, securePort: 6443, bindAddress: '127.0.0.1', certDir, user: 'alice', tokenAuthFile: TOKENS, ...f })) as Kubeconfig;
    return kc.clusters[0]?.cluster.server;
  };
  assert.equal(server({}), 'https://127.0.0.1:6443');
  assert.equal(server({ bindAddress: '0.0.0.0', securePort: 7443 }), 'https://127.0.0.1:7443');
  assert.equal(server({ bindAddress: '::1' }), 'https://[::1]:6443');
  assert.equal(server({ bindAddress: '::' }), 'https://127.0.0.1:6443');
  assert.equal(server({ server: 'https://x:1' }), 'https://x:1');
});

test('errors say what to do', () => {
  const base: KubeconfigFlags = { clientCertValidity: 3_600_000, securePort: 6443, bindAddress: '127.0.0.1', certDir };
  const err = (f: Partial<KubeconfigFlags>): string => {
    try {
      kubeconfigFor({ ...base, ...f });
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  const both = 'give exactly one credential source: --token-auth-file, or --client-ca-file with --client-ca-key-file';
  assert.equal(err({ user: 'a' }), both);
  assert.equal(err({ user: 'a', tokenAuthFile: TOKENS, clientCaFile: 'x' }), both);
  assert.equal(err({ user: 'a', clientCaFile: 'x' }), '--client-ca-file and --client-ca-key-file go together');
  assert.equal(err({ user: 'alice', tokenAuthFile: TOKENS, group: ['g'] }), "--group applies to issued client certificates; a token's groups come from --token-auth-file");
  assert.equal(err({ user: 'carol', tokenAuthFile: TOKENS }), `no token for user "carol" in token file '${TOKENS}'`);
  assert.match(err({ user: 'alice', tokenAuthFile: TOKENS, certDir: join(dir, 'nowhere') }), /apiserver\.crt.*doorman serve generates it there on its first start; or pass --tls-cert-file/);
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const ca = issueCertificate({ subject: { commonName: 'ca' }, isCA: true });
  writeFileSync(join(dir, 'm.crt'), ca.certPem);
  writeFileSync(join(dir, 'm.key'), other);
  assert.equal(err({ user: 'a', clientCaFile: join(dir, 'm.crt'), clientCaKeyFile: join(dir, 'm.key') }), 'the client CA key does not match the client CA certificate');
  const leaf = issueCertificate({ subject: { commonName: 'leaf' }, issuer: ca, usages: ['client'] });
  writeFileSync(join(dir, 'leaf.crt'), leaf.certPem);
  writeFileSync(join(dir, 'leaf.key'), leaf.keyPem);
  assert.equal(err({ user: 'a', clientCaFile: join(dir, 'leaf.crt'), clientCaKeyFile: join(dir, 'leaf.key') }), 'the client CA certificate is not a CA (basicConstraints CA:TRUE is missing)');
  writeFileSync(join(dir, 'junk.key'), 'junk');
  assert.match(err({ user: 'a', clientCaFile: join(dir, 'm.crt'), clientCaKeyFile: join(dir, 'junk.key') }), /^unable to load the client CA key: /);
});
