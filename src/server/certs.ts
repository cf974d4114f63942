/**
 * The serving certificate: `--tls-cert-file`/`--tls-private-key-file` when given, otherwise a
 * self-signed pair in `--cert-dir` (`apiserver.crt`, `apiserver.key`), generated once and reused,
 * as kube-apiserver does.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate } from '../util/pki.js';
import { readConfigFile } from '../config/decode.js';
import { DoormanError } from '../errors.js';

export interface ServingCertificate {
  readonly cert: string;
  readonly key: string;
  /** Where they came from, for the start-up log. */
  readonly source: string;
}

export interface ServingCertOptions {
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly certDir: string;
  /** Extra host names/IPs for a generated certificate. */
  readonly hosts: readonly string[];
}

export function loadServingCertificate(o: ServingCertOptions): ServingCertificate & { generated: boolean } {
  if (o.certFile || o.keyFile) {
    if (!o.certFile || !o.keyFile) {
      throw new DoormanError('FLAG_INVALID', 'both --tls-cert-file and --tls-private-key-file must be set, or neither');
    }
    return { cert: readConfigFile(o.certFile), key: readConfigFile(o.keyFile), source: o.certFile, generated: false };
  }
  const certPath = join(o.certDir, 'apiserver.crt');
  const keyPath = join(o.certDir, 'apiserver.key');
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), source: certPath, generated: false };
  }
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', ...o.hosts])];
  const issued = issueCertificate({
    subject: { commonName: `localhost@${Math.floor(Date.now() / 1000)}` },
    isCA: true,
    usages: ['server'],
    hosts,
  });
  try {
    mkdirSync(o.certDir, { recursive: true, mode: 0o755 });
    writeFileSync(certPath, issued.certPem, { mode: 0o644 });
    writeFileSync(keyPath, issued.keyPem, { mode: 0o600 });
  } catch (e) {
    throw new DoormanError('CONFIG_READ', `unable to generate self signed cert in ${o.certDir}: ${(e as Error).message}`, { cause: e });
  }
  return { cert: issued.certPem, key: issued.keyPem, source: certPath, generated: true };
}
