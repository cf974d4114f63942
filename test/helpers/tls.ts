/**
 * Test PKI and an HTTPS client: a serving certificate, a client CA and client certificates made
 * at test time with doorman's own issuer, and a request helper that returns status, headers and
 * the exact body bytes.
 */
import { request } from 'node:https';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, type IssuedCertificate } from '../../src/util/pki.js';

export interface TestPki {
  readonly dir: string;
  readonly serving: IssuedCertificate;
  readonly clientCA: IssuedCertificate;
  readonly otherCA: IssuedCertificate;
  readonly files: { servingCert: string; servingKey: string; clientCA: string };
  client(commonName: string, organizations?: string[], opts?: { issuer?: IssuedCertificate; notAfter?: Date; notBefore?: Date; usages?: ('server' | 'client')[] }): IssuedCertificate;
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-pki-'));
  const serving = issueCertificate({ subject: { commonName: 'localhost' }, isCA: true, usages: ['server'], hosts: ['localhost', '127.0.0.1', '::1'] });
  const clientCA = issueCertificate({ subject: { commonName: 'test-client-ca' }, isCA: true });
  const otherCA = issueCertificate({ subject: { commonName: 'someone-else-ca' }, isCA: true });
  const files = { servingCert: join(dir, 'serving.crt'), servingKey: join(dir, 'serving.key'), clientCA: join(dir, 'client-ca.crt') };
  writeFileSync(files.servingCert, serving.certPem);
  writeFileSync(files.servingKey, serving.keyPem);
  writeFileSync(files.clientCA, clientCA.certPem);
  return {
    dir,
    serving,
    clientCA,
    otherCA,
    files,
    client(commonName, organizations = [], opts = {}) {
      return issueCertificate({
        subject: { commonName, organizations },
        issuer: opts.issuer ?? clientCA,
        usages: opts.usages ?? ['client'],
        ...(opts.notAfter ? { notAfter: opts.notAfter } : {}),
        ...(opts.notBefore ? { notBefore: opts.notBefore } : {}),
      });
    },
  };
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly cert?: IssuedCertificate;
  readonly body?: string;
}

/** One HTTPS request to 127.0.0.1:port, trusting `ca`. */
export function httpsRequest(port: number, ca: string, path: string, o: RequestOptions = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: o.method ?? 'GET',
        ca,
        servername: 'localhost',
        headers: o.headers ?? {},
        agent: false,
        ...(o.cert ? { cert: o.cert.certPem, key: o.cert.keyPem } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}
