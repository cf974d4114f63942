/**
 * `doorman validate`: everything `serve` (or, from a manifest, kube-apiserver) loads at start-up,
 * checked without listening, each problem reported in kube-apiserver's words with its file and
 * field: the serving flags, `--feature-gates`, `--authorization-mode` and the RBAC objects,
 * `--authentication-config` as the chosen release reads it, the token file, the client CA, the
 * serving certificate and the audit flags and files. For flags given to doorman itself, the
 * runtime is then built exactly as serve builds it, so `valid` means serve would start. Warnings
 * for risky settings come from ./warnings.ts.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';
import { buildRuntime, loadClientCA, serverHostPort, validateServingOptions, type ServeOptions } from '../snapshot.js';
import { resolveAnonymous } from '../config/authentication.js';
import { loadTokenFile } from '../authn/tokenfile.js';
import {
  buildAuthorizerChain,
  loadRbacObjects,
  SUPPORTED_AUTHORIZATION_MODES,
  splitAuthorizationModeFlag,
  validateAuthorizationModes,
  withBootstrapPolicy,
  type AuthorizationMode,
  type RbacObjects,
} from '../authz/index.js';
import { buildAuditor, type AuditOptions } from '../audit/index.js';
import { loadServingCertificate } from '../server/certs.js';
import { memoryLogger } from '../server/log.js';
import { Registry } from 'prom-client';
import { CaptureBackend } from '../check/capture.js';
import { checkAuthenticationConfig } from './authn.js';
import { parseFeatureGates } from './featuregates.js';
import type { HttpProbe, Resolved } from './manifest.js';
import type { Problem, ValidationReport } from './report.js';
import { collectWarnings } from './warnings.js';

/** What to validate. */
export interface ValidateInput {
  /** serve's options; file paths as the server sees them (container paths for a manifest). */
  readonly options: ServeOptions;
  /** `command line`, or the manifest's path: the "file" of flag-level problems. */
  readonly source: string;
  /** true for `--from-manifest` (fixes then name the manifest). */
  readonly fromManifest: boolean;
  /**
   * true: the question is whether doorman serve starts (its own limits are errors, and the runtime
   * is built as serve builds it); false: whether kube-apiserver of `minor` starts (a manifest, or
   * an explicit --kubernetes-version), where doorman's limits are only warnings.
   */
  readonly doormanServe: boolean;
  /** Maps a server path to where it is read here (the identity for flags). */
  readonly resolve: (path: string) => Resolved;
  /** The kube-apiserver minor release (29…36). */
  readonly minor: number;
  /** Values of every `--feature-gates` occurrence. */
  readonly featureGates: readonly string[];
  /** Names of kube-apiserver flags present that doorman does not model (`--etcd-servers`, ...). */
  readonly otherFlags: readonly string[];
  /** Problems already found while reading the flags (a manifest's bad flag values). */
  readonly flagErrors: readonly Problem[];
  readonly probes: readonly HttpProbe[];
  readonly notes: readonly string[];
}

const OIDC_FLAG = /^--oidc-/;

/** Runs every check; never throws for bad configuration (that is what it reports). */
export async function validateConfiguration(input: ValidateInput): Promise<ValidationReport> {
  const o = input.options;
  const errors: Problem[] = [...input.flagErrors];
  const warnings: Problem[] = [];
  const notes: string[] = [...input.notes];
  const src = input.source;
  const flagProblem = (field: string, message: string, fix?: string): Problem => ({ file: src, field, message, ...(fix ? { fix } : {}) });

  /** Reads through the resolver: the local path, or undefined after reporting why it cannot be. */
  const local = (display: string, flag: string): string | undefined => {
    const r = input.resolve(display);
    if (r.kind === 'local') return r.local;
    if (r.kind === 'unreadable') warnings.push({ file: display, field: '', message: r.why });
    else errors.push({ file: display, field: '', message: `open ${display}: no such file or directory (${flag}: ${r.why})`, fix: `add a hostPath volume and a volumeMount for ${dirname(display)} to the kube-apiserver container` });
    return undefined;
  };
  /** A loader's message, naming the path as the server sees it. */
  const shown = (message: string, localPath: string, display: string): string => message.split(localPath).join(display);

  for (const e of validateServingOptions(o)) errors.push(flagProblem(e.split(' ')[0] ?? '', e));

  const gates = parseFeatureGates(input.featureGates, input.minor);
  for (const e of gates.errors) errors.push(flagProblem('--feature-gates', e));
  for (const w of gates.warnings) warnings.push(flagProblem('--feature-gates', w));

  // Authorization.
  const requested = splitAuthorizationModeFlag(o.authorizationModes);
  let modes: AuthorizationMode[] = requested.filter((m): m is AuthorizationMode => (SUPPORTED_AUTHORIZATION_MODES as readonly string[]).includes(m));
  for (const e of validateAuthorizationModes(requested)) {
    const doormanOnly = /is not implemented by doorman/.test(e);
    if (doormanOnly && !input.doormanServe) warnings.push(flagProblem('--authorization-mode', `${e}; kube-apiserver accepts it, and the checks below leave that mode out`));
    else errors.push(flagProblem('--authorization-mode', e));
  }
  if (requested.length === 0) {
    modes = ['AlwaysAllow'];
    if (!input.otherFlags.includes('--authorization-config')) {
      warnings.push(flagProblem('--authorization-mode', 'not set: every request that passes authentication is allowed (AlwaysAllow), as kube-apiserver does by default', 'set --authorization-mode=Node,RBAC (or RBAC)'));
    }
  }
  if (input.otherFlags.includes('--authorization-config')) {
    warnings.push(flagProblem('--authorization-config', 'doorman does not read --authorization-config; authorization is checked as --authorization-mode says'));
  }
  let operatorRbac: RbacObjects | undefined;
  const rbacPaths = o.rbacObjects.map((p) => local(p, '--rbac-objects')).filter((p): p is string => p !== undefined);
  if (rbacPaths.length > 0) {
    try {
      const loaded = loadRbacObjects(rbacPaths);
      operatorRbac = loaded.objects;
      for (const w of loaded.warnings) warnings.push({ file: o.rbacObjects.join(', '), field: '', message: w });
    } catch (e) {
      errors.push({ file: o.rbacObjects.join(', '), field: '', message: (e as Error).message });
    }
  }
  const chain = buildAuthorizerChain(operatorRbac ? { modes, rbacObjects: operatorRbac } : { modes });
  const rbacObjects = modes.includes('RBAC') ? withBootstrapPolicy(operatorRbac ?? { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [] }).objects : undefined;

  // Authentication.
  // --oidc-* arrive as flags doorman does not model, or (once serve takes them) as options.oidc.
  const modelled = (o as { readonly oidc?: { readonly set?: boolean } }).oidc?.set === true ? ['--oidc-*'] : [];
  const oidc = [...input.otherFlags.filter((f) => OIDC_FLAG.test(f)), ...modelled];
  let fileAnonymous: { enabled: boolean; conditions: string[] } | undefined;
  let config;
  if (o.authenticationConfig !== undefined) {
    if (!gates.gates.enabled('StructuredAuthenticationConfiguration')) {
      errors.push(flagProblem('--authentication-config', 'set --feature-gates=StructuredAuthenticationConfiguration=true to use authentication-config file'));
    }
    if (oidc.length > 0) {
      errors.push(flagProblem('--authentication-config', 'authentication-config file and oidc-* flags are mutually exclusive', `move ${oidc.join(', ')} into the file's jwt section and remove the flags`));
    }
    const path = local(o.authenticationConfig, '--authentication-config');
    if (path !== undefined) {
      const r = checkAuthenticationConfig({ minor: input.minor, gates: gates.gates, anonymousFlagSet: o.anonymousAuth.set, display: o.authenticationConfig, local: path });
      config = r.config;
      if (config?.anonymous) fileAnonymous = { enabled: config.anonymous.enabled, conditions: (config.anonymous.conditions ?? []).map((c) => c.path) };
      for (const e of r.errors) {
        if (e.field === 'anonymous' && /flag cannot be set when anonymous field is configured/.test(e.message)) {
          errors.push({ ...e, fix: conflictFix(o, src, input.fromManifest, fileAnonymous) });
        } else if (e.field === 'anonymous' && /feature gate is disabled$/.test(e.message)) {
          errors.push({ ...e, fix: `add --feature-gates=AnonymousAuthConfigurableEndpoints=true (1.${input.minor} has it off), or upgrade to 1.32 or later where it is on by default` });
        } else errors.push(e);
      }
    }
  }
  const tokenFile = o.tokenAuthFile;
  if (tokenFile !== undefined) {
    const path = local(tokenFile, '--token-auth-file');
    if (path !== undefined) {
      try {
        for (const w of loadTokenFile(path).warnings) warnings.push({ file: tokenFile, field: '', message: shown(w, path, tokenFile) });
      } catch (e) {
        errors.push({ file: tokenFile, field: '', message: shown((e as Error).message, path, tokenFile) });
      }
    }
  }
  if (o.clientCAFile !== undefined) {
    const path = local(o.clientCAFile, '--client-ca-file');
    if (path !== undefined) {
      try {
        loadClientCA(path);
      } catch (e) {
        errors.push({ file: o.clientCAFile, field: '', message: shown((e as Error).message, path, o.clientCAFile) });
      }
    }
  }
  checkServingCertificate(o, local, errors);
  checkAudit(o.audit, input, local, errors, warnings);

  // doorman's own start-up, for doorman's flags: valid must mean serve starts.
  if (input.doormanServe && errors.length === 0) {
    try {
      const runtime = buildRuntime({ ...o, auditBackend: new CaptureBackend() }, memoryLogger(), serverHostPort(o));
      void runtime.auditor.shutdown();
      // Whatever the authentication setup started in the background (JWT key refresh) stops here.
      (runtime as { readonly authentication?: { close(): void } }).authentication?.close();
    } catch (e) {
      errors.push({ file: src, field: '', message: (e as Error).message });
    }
  }

  if (input.otherFlags.length > 0) notes.push(`not checked by doorman: ${input.otherFlags.join(', ')}`);
  const anonymousFlag = o.anonymousAuth;
  const stomped = anonymousFlag.value && modes.includes('AlwaysAllow');
  const canSimulate = !errors.some((e) => e.file === o.authenticationConfig);
  if (canSimulate) {
    const anonymous = resolveAnonymous(config, { set: false, value: anonymousFlag.value && !stomped });
    warnings.push(
      ...(await collectWarnings({
        source: src,
        authnFile: o.authenticationConfig,
        fileAnonymous,
        anonymousFlag,
        anonymous,
        modes,
        authorizer: chain.authorizer,
        rbac: rbacObjects,
        rbacSource: o.rbacObjects.length > 0 ? o.rbacObjects.join(', ') : 'bootstrap RBAC policy',
        probes: input.probes,
        serverAddress: serverHostPort(o),
      })),
    );
  }
  return { valid: errors.length === 0, errors, warnings, notes };
}

function conflictFix(o: ServeOptions, src: string, fromManifest: boolean, file: { enabled: boolean; conditions: string[] } | undefined): string {
  const flag = `--anonymous-auth=${String(o.anonymousAuth.value)}`;
  const where = fromManifest ? `from the kube-apiserver command in ${src}` : 'from the command line';
  const decides = !file ? '' : file.enabled ? (file.conditions.length > 0 ? ` (anonymous only on ${file.conditions.join(', ')})` : ' (anonymous on every path)') : ' (anonymous off)';
  return `remove ${flag} ${where}; the file's anonymous section already decides anonymous access${decides}`;
}

function checkServingCertificate(o: ServeOptions, local: (p: string, flag: string) => string | undefined, errors: Problem[]): void {
  if (o.tlsCertFile === undefined && o.tlsPrivateKeyFile === undefined) return;
  const cert = o.tlsCertFile !== undefined ? local(o.tlsCertFile, '--tls-cert-file') : undefined;
  const key = o.tlsPrivateKeyFile !== undefined ? local(o.tlsPrivateKeyFile, '--tls-private-key-file') : undefined;
  if ((o.tlsCertFile !== undefined && cert === undefined) || (o.tlsPrivateKeyFile !== undefined && key === undefined)) return;
  const file = o.tlsCertFile ?? o.tlsPrivateKeyFile ?? '';
  try {
    const loaded = loadServingCertificate({ certFile: cert, keyFile: key, certDir: o.certDir, hosts: [] });
    createSecureContext({ cert: loaded.cert, key: loaded.key });
  } catch (e) {
    let msg = (e as Error).message;
    if (cert !== undefined && o.tlsCertFile !== undefined) msg = msg.split(cert).join(o.tlsCertFile);
    if (key !== undefined && o.tlsPrivateKeyFile !== undefined) msg = msg.split(key).join(o.tlsPrivateKeyFile);
    errors.push({ file, field: '', message: msg });
  }
}

/** The nearest existing ancestor of `dir` is a writable directory (what ensureLogFile needs). */
function creatableDir(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) return 'not a directory';
      accessSync(d, constants.W_OK);
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && d !== dirname(d)) continue;
      return code === 'EACCES' ? 'permission denied' : (e as Error).message;
    }
  }
}

function checkAudit(a: AuditOptions | undefined, input: ValidateInput, local: (p: string, flag: string) => string | undefined, errors: Problem[], warnings: Problem[]): void {
  if (!a) return;
  const mapped: AuditOptions = { ...a, log: { ...a.log }, webhook: { ...a.webhook } };
  if (a.policyFile !== '') {
    const p = local(a.policyFile, '--audit-policy-file');
    if (p === undefined) return;
    mapped.policyFile = p;
  }
  if (a.webhook.configFile !== '') {
    const p = local(a.webhook.configFile, '--audit-webhook-config-file');
    if (p === undefined) return;
    mapped.webhook.configFile = p;
  }
  try {
    const auditor = buildAuditor(mapped, new Registry(), { backend: new CaptureBackend(), log: () => undefined });
    for (const w of auditor.warnings) warnings.push({ file: a.policyFile || input.source, field: '', message: w });
  } catch (e) {
    const msg = (e as Error).message.split(mapped.policyFile).join(a.policyFile).split(mapped.webhook.configFile || '\u0000').join(a.webhook.configFile);
    const file = msg.startsWith('loading audit policy file') ? a.policyFile : msg.startsWith('initializing audit webhook') ? a.webhook.configFile : input.source;
    errors.push({ file, field: '', message: msg });
  }
  if (a.log.path !== '' && a.log.path !== '-') {
    const r = input.resolve(a.log.path);
    if (r.kind === 'local') {
      const why = creatableDir(dirname(r.local));
      if (why !== undefined) errors.push({ file: input.source, field: '--audit-log-path', message: `ensureLogFile: mkdir ${dirname(a.log.path)}: ${why}` });
    } else if (input.fromManifest) {
      warnings.push({ file: input.source, field: '--audit-log-path', message: `${a.log.path} is on no hostPath volume: the audit log is written inside the container and lost when it restarts`, fix: `mount ${dirname(a.log.path)} from the host` });
    }
  }
}
