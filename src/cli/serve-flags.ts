/**
 * `doorman serve`'s flags, defined once: `serve`, `validate` and `check` all register them from
 * here and map them to ServeOptions with the same code, so the three commands can never disagree
 * on what a flag means. The values are kube-apiserver's flag names and syntax (Go booleans,
 * durations, repeatable lists); the typed options live in src/snapshot.ts.
 */
import { Command, Option, type CommanderError } from 'commander';
import type { ServeOptions } from '../snapshot.js';
import { collect, parseBoolFlag, parseDuration, parseIntFlag } from './flags.js';
import { AUDIT_FLAGS, defaultAuditOptions, type AuditOptions } from '../audit/index.js';

/** commander's attribute name for a flag (`audit-log-path` → `auditLogPath`). */
function attributeName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The parsed values of serve's own (non-audit) flags, as commander stores them. */
interface RawServeFlags {
  securePort: number;
  bindAddress: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  certDir: string;
  clientCaFile?: string;
  tokenAuthFile?: string;
  anonymousAuth: boolean;
  authenticationConfig?: string;
  authorizationMode?: string[];
  rbacObjects?: string[];
  shutdownDelayDuration: number;
}

/**
 * Registers every `doorman serve` flag (kube-apiserver's names, help and defaults) on `cmd`.
 *
 * @example
 * const cmd = addServeFlags(new Command('validate'));
 */
export function addServeFlags(cmd: Command): Command {
  cmd
    .addOption(new Option('--secure-port <port>', 'The port on which to serve HTTPS with authentication and authorization. It cannot be switched off with 0.').default(6443).argParser(parseIntFlag))
    .addOption(new Option('--bind-address <ip>', 'The IP address on which to listen for the --secure-port port. Default 127.0.0.1 (kube-apiserver: 0.0.0.0); use 0.0.0.0 or :: to listen on all interfaces.').default('127.0.0.1'))
    .addOption(new Option('--tls-cert-file <path>', 'File containing the default x509 certificate for HTTPS (CA cert, if any, concatenated after server cert). If neither this nor --tls-private-key-file is given, a self-signed certificate and key are generated in --cert-dir.'))
    .addOption(new Option('--tls-private-key-file <path>', 'File containing the default x509 private key matching --tls-cert-file.'))
    .addOption(new Option('--cert-dir <dir>', 'The directory where the generated self-signed certificate (apiserver.crt, apiserver.key) is kept. Ignored if --tls-cert-file and --tls-private-key-file are given.').default('.doorman/certs'))
    .addOption(new Option('--client-ca-file <path>', 'If set, any request presenting a client certificate signed by one of the authorities in the client-ca-file is authenticated with an identity corresponding to the CommonName of the client certificate (groups from its Organizations).'))
    .addOption(new Option('--token-auth-file <path>', 'If set, the file that will be used to secure the secure port of the API server via token authentication (CSV: token,user,uid,"group1,group2").'))
    .addOption(new Option('--anonymous-auth [bool]', "Enables anonymous requests to the secure port of the API server. Requests that are not rejected by another authentication method are treated as anonymous requests. Anonymous requests have a username of system:anonymous, and a group name of system:unauthenticated. Cannot be set together with an 'anonymous' section in --authentication-config.").default(true).argParser(parseBoolFlag))
    .addOption(new Option('--authentication-config <path>', 'File with Authentication Configuration (apiserver.config.k8s.io AuthenticationConfiguration) to configure the anonymous authenticator, including path conditions.'))
    .addOption(new Option('--authorization-mode <modes>', 'Ordered list of plug-ins to do authorization on secure port. Defaults to AlwaysAllow if --authorization-config is not used. Comma-delimited list of: AlwaysAllow,AlwaysDeny,Node,RBAC (ABAC and Webhook are not supported yet).').argParser(collect))
    .addOption(new Option('--rbac-objects <path>', 'doorman only: a file or folder of RBAC objects (YAML/JSON, multi-document, kind List) loaded on top of the bootstrap policy, e.g. the output of kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml. Repeatable.').argParser(collect))
    .addOption(new Option('--shutdown-delay-duration <duration>', 'Time to delay the termination. During that time the server keeps serving requests normally; /readyz returns failure at once.').default(0).argParser(parseDuration));
  for (const f of AUDIT_FLAGS) {
    // Values stay raw here and are parsed by the audit options, in kube-apiserver's words.
    const opt = new Option(f.type === 'bool' ? `--${f.name} [bool]` : `--${f.name} <${f.type}>`, f.deprecated ? `${f.help} (DEPRECATED: ${f.deprecated})` : f.help);
    if (f.defaultValue !== '') opt.default(f.defaultValue);
    cmd.addOption(opt);
  }
  return cmd;
}

function auditOptions(cmd: Command): AuditOptions {
  const o = defaultAuditOptions();
  const values = cmd.opts<Record<string, string | boolean | undefined>>();
  for (const f of AUDIT_FLAGS) {
    const key = attributeName(f.name);
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    const v = values[key];
    try {
      f.set(o, v === true ? 'true' : String(v));
    } catch (e) {
      throw new Error(`invalid argument ${JSON.stringify(String(v))} for "--${f.name}" flag: ${(e as Error).message}`);
    }
  }
  return o;
}

/**
 * Maps the flags parsed on `cmd` (registered by {@link addServeFlags}) to ServeOptions. Throws an
 * Error worded like pflag's (`invalid argument "x" for "--audit-log-maxsize" flag: ...`) for a
 * value only the typed options can reject.
 */
export function serveOptionsFrom(cmd: Command): ServeOptions {
  const f = cmd.opts<RawServeFlags>();
  return {
    audit: auditOptions(cmd),
    securePort: f.securePort,
    bindAddress: f.bindAddress,
    tlsCertFile: f.tlsCertFile,
    tlsPrivateKeyFile: f.tlsPrivateKeyFile,
    certDir: f.certDir,
    clientCAFile: f.clientCaFile,
    tokenAuthFile: f.tokenAuthFile,
    anonymousAuth: { set: cmd.getOptionValueSource('anonymousAuth') === 'cli', value: f.anonymousAuth },
    authenticationConfig: f.authenticationConfig,
    authorizationModes: f.authorizationMode,
    rbacObjects: f.rbacObjects ?? [],
    shutdownDelayMs: f.shutdownDelayDuration,
  };
}

/**
 * For `validate` and `check`: commander has already printed its message; help and version exit
 * 0, every other parse error is a usage error (exit 2), as those commands document.
 */
export function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : 2);
}

/**
 * Ends `validate` or `check` once stdout is flushed. Explicit, because a runtime may hold timers
 * (a JWT authenticator's key refresh) that would otherwise keep a finished command alive.
 */
export function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.exit(code));
}
