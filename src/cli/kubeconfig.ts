/**
 * `doorman kubeconfig`: writes a kubeconfig for a doorman server, so kubectl and client libraries
 * reach it in one step. It takes serve's own flags for where the server listens and which serving
 * certificate it uses, plus one user: a token looked up in the `--token-auth-file` serve reads, or
 * a client certificate issued under a CA the operator names. This file only parses arguments; the
 * work is in src/api/clientconfig.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { readConfigFile } from '../config/decode.js';
import { issueClientCertificate, renderKubeconfig, requireCertificates, tokenForUser, type KubeconfigCredential } from '../api/clientconfig.js';
import { serverHostPort } from '../snapshot.js';
import { parseDuration, parseIntFlag } from './flags.js';

/** The parsed flags of `doorman kubeconfig`. */
export interface KubeconfigFlags {
  user?: string;
  group?: string[];
  tokenAuthFile?: string;
  clientCaFile?: string;
  clientCaKeyFile?: string;
  clientCertValidity: number;
  server?: string;
  securePort: number;
  bindAddress: string;
  certDir: string;
  tlsCertFile?: string;
  certificateAuthority?: string;
  output?: string;
}

const append = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function kubeconfigCommand(): Command {
  return new Command('kubeconfig')
    .description(
      'Write a kubeconfig for a doorman server: its URL, its serving certificate, and one user with a token from --token-auth-file or a client certificate issued under --client-ca-file/--client-ca-key-file. Printed on stdout unless --output is given.',
    )
    .allowExcessArguments(false)
    .addOption(new Option('--user <name>', 'The user the kubeconfig authenticates as: a user name in --token-auth-file, or the CommonName of the issued client certificate. Required.'))
    .addOption(new Option('--token-auth-file <path>', "The token file doorman serve reads (CSV: token,user,uid,\"group1,group2\"); the first token of --user is used. The user's groups come from the file."))
    .addOption(new Option('--client-ca-file <path>', 'The CA certificate doorman serve trusts for client certificates (its --client-ca-file); a client certificate for --user is issued under it.'))
    .addOption(new Option('--client-ca-key-file <path>', 'The private key of --client-ca-file (PEM; EC, RSA or Ed25519).'))
    .addOption(new Option('--group <group>', 'A group (certificate Organization) for the issued client certificate. Repeatable; only with --client-ca-file.').argParser(append))
    .addOption(new Option('--client-cert-validity <duration>', 'How long the issued client certificate is valid (a Go duration, as kubeadm\'s --validity-period).').default(8_760 * 3_600_000, '8760h').argParser(parseDuration))
    .addOption(new Option('--server <url>', 'The server URL clients use. Default: https://<--bind-address>:<--secure-port> (127.0.0.1 when bound to every interface).'))
    .addOption(new Option('--secure-port <port>', 'The port doorman serve listens on (its --secure-port).').default(6443).argParser(parseIntFlag))
    .addOption(new Option('--bind-address <ip>', 'The address doorman serve listens on (its --bind-address).').default('127.0.0.1'))
    .addOption(new Option('--cert-dir <dir>', 'doorman serve\'s --cert-dir: its generated serving certificate (apiserver.crt) is the one clients trust.').default('.doorman/certs'))
    .addOption(new Option('--tls-cert-file <path>', "doorman serve's --tls-cert-file, when it serves a certificate of yours: every certificate in it is trusted."))
    .addOption(new Option('--certificate-authority <path>', 'Trust this CA bundle instead (when the serving certificate is signed by a CA not in --tls-cert-file).'))
    .addOption(new Option('-o, --output <file>', 'Write the kubeconfig to this file (mode 0600) instead of stdout.'))
    .action((flags: KubeconfigFlags) => {
      try {
        const out = kubeconfigFor(flags);
        if (flags.output) {
          writeFileSync(flags.output, out, { mode: 0o600 });
          process.stderr.write(`Wrote ${flags.output}\n`);
        } else {
          process.stdout.write(out);
        }
      } catch (e) {
        process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
      }
    });
}

/**
 * The kubeconfig text for parsed flags; throws an Error whose message is printed after `Error: `.
 *
 * @example
 * kubeconfigFor({ user: 'alice', tokenAuthFile: 'tokens.csv', clientCertValidity: 3_600_000, securePort: 6443, bindAddress: '127.0.0.1', certDir: '.doorman/certs' })
 */
export function kubeconfigFor(f: KubeconfigFlags): string {
  if (!f.user) throw new Error('--user is required');
  const byToken = f.tokenAuthFile !== undefined;
  const byCert = f.clientCaFile !== undefined || f.clientCaKeyFile !== undefined;
  if (byToken === byCert) throw new Error('give exactly one credential source: --token-auth-file, or --client-ca-file with --client-ca-key-file');
  if (byCert && (!f.clientCaFile || !f.clientCaKeyFile)) throw new Error('--client-ca-file and --client-ca-key-file go together');
  if (byToken && f.group) throw new Error("--group applies to issued client certificates; a token's groups come from --token-auth-file");

  const caSource = f.certificateAuthority ?? f.tlsCertFile ?? join(f.certDir, 'apiserver.crt');
  let caPem: string;
  try {
    caPem = readConfigFile(caSource);
  } catch (e) {
    const hint = f.certificateAuthority || f.tlsCertFile ? '' : ' (doorman serve generates it there on its first start; or pass --tls-cert-file)';
    throw new Error(`${(e as Error).message}${hint}`);
  }
  requireCertificates(caPem, caSource);

  let credential: KubeconfigCredential;
  if (f.tokenAuthFile) {
    credential = { token: tokenForUser(readConfigFile(f.tokenAuthFile), f.tokenAuthFile, f.user) };
  } else {
    const issued = issueClientCertificate({
      caCertificatePem: readConfigFile(f.clientCaFile as string),
      caKeyPem: readConfigFile(f.clientCaKeyFile as string),
      user: f.user,
      groups: f.group ?? [],
      validityMs: f.clientCertValidity,
    });
    credential = { clientCertificatePem: issued.certPem, clientKeyPem: issued.keyPem };
  }
  const server = f.server ?? `https://${serverHostPort({ bindAddress: f.bindAddress, securePort: f.securePort })}`;
  return renderKubeconfig({ server, certificateAuthorityPem: caPem, userName: f.user, credential });
}
