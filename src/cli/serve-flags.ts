/**
 * `doorman serve`'s flags, defined once: `serve`, `validate` and `check` all register them from
 * here and map them to ServeOptions with the same code, so the three commands can never disagree
 * on what a flag means. The values are kube-apiserver's flag names and syntax (Go booleans,
 * durations, repeatable lists); the typed options live in src/snapshot.ts.
 */
import { Command, InvalidArgumentError, Option, type CommanderError } from 'commander';
import type { ServeOptions } from '../snapshot.js';
import { DEFAULT_OIDC_FLAGS, type OIDCFlags } from '../config/authentication.js';
import { collect, parseBoolFlag, parseDuration, parseIntFlag, stringSlice } from './flags.js';
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
  apiAudiences?: string[];
  authorizationMode?: string[];
  rbacObjects?: string[];
  shutdownDelayDuration: number;
  oidcIssuerUrl?: string;
  oidcClientId?: string;
  oidcCaFile?: string;
  oidcUsernameClaim?: string;
  oidcUsernamePrefix?: string;
  oidcGroupsClaim?: string;
  oidcGroupsPrefix?: string;
  oidcSigningAlgs?: string[];
  oidcRequiredClaim?: [string, string][];
}

/** The `--oidc-*` flags with kube-apiserver's help texts (fresh Options for each command). */
const oidcOptions = (): Option[] => [
  new Option('--oidc-issuer-url <url>', 'The URL of the OpenID issuer, only HTTPS scheme will be accepted. If set, it will be used to verify the OIDC JSON Web Token (JWT).'),
  new Option('--oidc-client-id <id>', 'The client ID for the OpenID Connect client, must be set if oidc-issuer-url is set.'),
  new Option('--oidc-ca-file <path>', "If set, the OpenID server's certificate will be verified by one of the authorities in the oidc-ca-file, otherwise the host's root CA set will be used."),
  new Option(
    '--oidc-username-claim <claim>',
    "The OpenID claim to use as the user name. Note that claims other than the default ('sub') is not guaranteed to be unique and immutable. This flag is experimental, please see the authentication documentation for further details. (default \"sub\")",
  ),
  new Option(
    '--oidc-username-prefix <prefix>',
    "If provided, all usernames will be prefixed with this value. If not provided, username claims other than 'email' are prefixed by the issuer URL to avoid clashes. To skip any prefixing, provide the value '-'.",
  ),
  new Option(
    '--oidc-groups-claim <claim>',
    'If provided, the name of a custom OpenID Connect claim for specifying user groups. The claim value is expected to be a string or array of strings. This flag is experimental, please see the authentication documentation for further details.',
  ),
  new Option('--oidc-groups-prefix <prefix>', 'If provided, all groups will be prefixed with this value to prevent conflicts with other authentication strategies.'),
  new Option(
    '--oidc-signing-algs <algs>',
    "Comma-separated list of allowed JOSE asymmetric signing algorithms. JWTs with a supported 'alg' header values are: RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512. Values are defined by RFC 7518 https://tools.ietf.org/html/rfc7518#section-3.1. (default [RS256])",
    // pflag's StringSlice: CSV, empty entries kept (kube then refuses `""` as a signing alg).
  ).argParser(stringSlice),
  new Option(
    '--oidc-required-claim <key=value>',
    'A key=value pair that describes a required claim in the ID Token. If set, the claim is verified to be present in the ID Token with a matching value. Repeat this flag to specify multiple claims.',
  ).argParser(keyValue),
];

/** pflag's MapStringStringNoSplit: one `key=value` per occurrence; the value may hold commas. */
function keyValue(v: string, prev: [string, string][] | undefined): [string, string][] {
  const eq = v.indexOf('=');
  if (eq < 0) throw new InvalidArgumentError('malformed pair, expect string=string');
  return [...(prev ?? []), [v.slice(0, eq).trim(), v.slice(eq + 1).trim()]];
}

function oidcFlags(cmd: Command, f: RawServeFlags): OIDCFlags {
  const d = DEFAULT_OIDC_FLAGS;
  return {
    set: oidcOptions().some((o) => cmd.getOptionValueSource(o.attributeName()) === 'cli'),
    issuerURL: f.oidcIssuerUrl ?? d.issuerURL,
    clientID: f.oidcClientId ?? d.clientID,
    caFile: f.oidcCaFile ?? d.caFile,
    usernameClaim: f.oidcUsernameClaim ?? d.usernameClaim,
    usernamePrefix: f.oidcUsernamePrefix ?? d.usernamePrefix,
    groupsClaim: f.oidcGroupsClaim ?? d.groupsClaim,
    groupsPrefix: f.oidcGroupsPrefix ?? d.groupsPrefix,
    signingAlgs: f.oidcSigningAlgs ?? d.signingAlgs,
    requiredClaims: f.oidcRequiredClaim ?? d.requiredClaims,
  };
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
    .addOption(new Option('--authentication-config <path>', 'File with Authentication Configuration to configure the JWT Token authenticator or the anonymous authenticator. Re-read when it changes: jwt changes apply within 5 s. This flag is mutually exclusive with the --oidc-* flags. This flag is mutually exclusive with --anonymous-auth if the file configures the Anonymous authenticator.'))
    .addOption(
      new Option(
        '--api-audiences <audiences>',
        'Identifiers of the API. Tokens presented for other audiences (a TokenReview\'s spec.audiences that names none of these) get no opinion from the token file and the JWT authenticators, and a TokenReview without spec.audiences asks for these. Comma-separated, repeatable. kube-apiserver defaults it to the --service-account-issuer URL; doorman has no service-account issuer, so there is no default.',
      ).argParser(collect),
    )
    .addOption(new Option('--authorization-mode <modes>', 'Ordered list of plug-ins to do authorization on secure port. Defaults to AlwaysAllow if --authorization-config is not used. Comma-delimited list of: AlwaysAllow,AlwaysDeny,Node,RBAC (ABAC and Webhook are not supported yet).').argParser(collect))
    .addOption(new Option('--rbac-objects <path>', 'doorman only: a file or folder of RBAC objects (YAML/JSON, multi-document, kind List) loaded on top of the bootstrap policy, e.g. the output of kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml. Repeatable.').argParser(collect))
    .addOption(new Option('--shutdown-delay-duration <duration>', 'Time to delay the termination. During that time the server keeps serving requests normally; /readyz returns failure at once.').default(0).argParser(parseDuration));
  for (const o of oidcOptions()) cmd.addOption(o);
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
    apiAudiences: f.apiAudiences ?? [],
    authorizationModes: f.authorizationMode,
    rbacObjects: f.rbacObjects ?? [],
    shutdownDelayMs: f.shutdownDelayDuration,
    oidc: oidcFlags(cmd, f),
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
