/**
 * `doorman serve`: kube-apiserver's flags in, a running HTTPS endpoint out. This file only maps
 * flags to ServeOptions and wires start-up, signals and shutdown; the work is in the library.
 */
import { Command, Option } from 'commander';
import { isIP } from 'node:net';
import { buildRuntime, type ServeOptions } from '../snapshot.js';
import { loadServingCertificate } from '../server/certs.js';
import { startServer } from '../server/server.js';
import { klogLogger, type Logger } from '../server/log.js';
import { collect, parseBoolFlag, parseDuration, parseIntFlag } from './flags.js';
import { AUDIT_FLAGS, defaultAuditOptions, type AuditOptions } from '../audit/index.js';

/** commander's attribute name for a flag (`audit-log-path` → `auditLogPath`). */
function attributeName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

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

export function serveCommand(): Command {
  const cmd: Command = new Command('serve')
    .description("Serve kube-apiserver's front door over HTTPS: authentication, authorization and the health endpoints.")
    .allowExcessArguments(false)
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
  cmd.action(async (flags: RawServeFlags, command: Command) => {
    const code = await runServe(flags, command, klogLogger());
    // Exit explicitly: a keep-alive socket or timer must not hold a finished server open.
    process.exit(code);
  });
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

function toOptions(f: RawServeFlags, cmd: Command): ServeOptions {
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

function validateServing(o: ServeOptions): string[] {
  const errs: string[] = [];
  if (o.securePort < 1 || o.securePort > 65535) {
    errs.push(`--secure-port ${o.securePort} must be between 1 and 65535, inclusive. It cannot be turned off with 0`);
  }
  if (isIP(o.bindAddress) === 0) errs.push(`--bind-address ${JSON.stringify(o.bindAddress)} is not a valid IP address`);
  return errs;
}

async function runServe(flags: RawServeFlags, cmd: Command, logger: Logger): Promise<number> {
  let o: ServeOptions;
  try {
    o = toOptions(flags, cmd);
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
  const errs = validateServing(o);
  if (errs.length > 0) {
    for (const e of errs) process.stderr.write(`Error: ${e}\n`);
    return 1;
  }
  // Listen for signals before the port is bound, so a stop that arrives during start-up is not lost.
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    const advertise = o.bindAddress === '0.0.0.0' || o.bindAddress === '::' ? '127.0.0.1' : o.bindAddress;
    const hostPort = isIP(advertise) === 6 ? `[${advertise}]:${o.securePort}` : `${advertise}:${o.securePort}`;
    const runtime = buildRuntime(o, logger, hostPort);
    const cert = loadServingCertificate({ certFile: o.tlsCertFile, keyFile: o.tlsPrivateKeyFile, certDir: o.certDir, hosts: [advertise] });
    if (cert.generated) logger.info(`Generated self signed cert (${cert.source})`);
    logger.info(
      `anonymous authentication: ${runtime.anonymous.enabled ? (runtime.anonymous.paths.length > 0 ? `enabled on ${runtime.anonymous.paths.join(', ')}` : 'enabled on every path') : 'disabled'} (from ${runtime.anonymous.source === 'file' ? '--authentication-config' : '--anonymous-auth'})`,
    );
    logger.info(`authorization modes: ${runtime.authorization.modes.join(',')}`);
    running = await startServer({
      snapshot: () => runtime.snapshot,
      cert: cert.cert,
      key: cert.key,
      clientCA: runtime.clientCA,
      bindAddress: o.bindAddress,
      port: o.securePort,
      logger,
      shutdownDelayMs: o.shutdownDelayMs,
      onShutdownStart: () => runtime.shutdown.begin(),
      onDrained: () => runtime.auditor.shutdown(),
    });
  } catch (e) {
    process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    stopRequested.then((signal) => {
      logger.info(`Received ${signal}, shutting down`);
      running.shutdown().then(
        () => {
          logger.info('[graceful-termination] apiserver is exiting');
          resolve(0);
        },
        (err: unknown) => {
          logger.error(`shutdown failed: ${String(err)}`);
          resolve(1);
        },
      );
    });
  });
}
