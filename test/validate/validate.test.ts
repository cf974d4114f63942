/**
 * `validateConfiguration` over real files: every error class (with kube-apiserver's words and,
 * where doorman knows one, the fix), every difference between releases listed in
 * authn-health.md §1 and §8, and every warning class.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfiguration, type ValidateInput } from '../../src/validate/validate.js';
import type { ValidationReport } from '../../src/validate/report.js';
import type { ServeOptions } from '../../src/snapshot.js';
import { defaultAuditOptions } from '../../src/audit/index.js';

const dir = mkdtempSync(join(tmpdir(), 'doorman-validate-'));
let n = 0;
function file(content: string, name = `f${++n}.yaml`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function authn(apiVersion: string, body: string): string {
  return file(`apiVersion: apiserver.config.k8s.io/${apiVersion}\nkind: AuthenticationConfiguration\n${body}`);
}
const HEALTH_ONLY = 'anonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n  - path: /readyz\n  - path: /healthz\n';
const JWT = (url: string) => `jwt:\n- issuer:\n    url: "${url}"\n    audiences: [k8s]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ""\n`;

const BASE: ServeOptions = {
  securePort: 6443,
  bindAddress: '127.0.0.1',
  certDir: join(dir, 'certs'),
  anonymousAuth: { set: false, value: true },
  authorizationModes: ['RBAC'],
  rbacObjects: [],
  shutdownDelayMs: 0,
};

function run(o: Partial<ServeOptions>, extra: Partial<ValidateInput> = {}): Promise<ValidationReport> {
  const minor = extra.minor ?? 35;
  return validateConfiguration({
    options: { ...BASE, ...o },
    source: 'command line',
    fromManifest: false,
    doormanServe: extra.minor === undefined,
    resolve: (p) => ({ kind: 'local', local: p }),
    minor,
    featureGates: [],
    otherFlags: [],
    flagErrors: [],
    probes: [],
    notes: [],
    ...extra,
  });
}

function lines(r: ValidationReport, which: 'errors' | 'warnings' = 'errors'): string[] {
  return r[which].map((p) => [p.file, p.field, p.message].filter((s) => s !== '').join(': '));
}

describe('errors', () => {
  test('the seed edit: --anonymous-auth together with an anonymous section, with the fix', async () => {
    const cfg = authn('v1', HEALTH_ONLY);
    const r = await run({ authenticationConfig: cfg, anonymousAuth: { set: true, value: false } });
    assert.equal(r.valid, false);
    assert.deepEqual(lines(r), [`${cfg}: anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file`]);
    assert.equal(r.errors[0]?.fix, "remove --anonymous-auth=false from the command line; the file's anonymous section already decides anonymous access (anonymous only on /livez, /readyz, /healthz)");
  });

  test('enabled: false with conditions, exactly as kube-apiserver renders it', async () => {
    const cfg = authn('v1', 'anonymous:\n  enabled: false\n  conditions:\n  - path: /livez\n');
    const r = await run({ authenticationConfig: cfg });
    assert.deepEqual(lines(r), [`${cfg}: anonymous.conditions: Invalid value: [{"Path":"/livez"}]: enabled should be set to true when conditions are defined`]);
  });

  test('unreadable and undecodable files', async () => {
    const missing = join(dir, 'nope.yaml');
    let r = await run({ authenticationConfig: missing });
    assert.deepEqual(lines(r), [`${missing}: failed to load authentication configuration from file "${missing}": open ${missing}: no such file or directory`]);
    const unknown = authn('v1', 'anonymous:\n  enabled: true\n  conditons: []\n');
    r = await run({ authenticationConfig: unknown });
    assert.deepEqual(lines(r), [`${unknown}: failed to load authentication configuration from file "${unknown}": strict decoding error: unknown field "anonymous.conditons"`]);
    const tokens = file('only,two\n', 'tokens.csv');
    const ca = file('not a certificate\n', 'ca.crt');
    r = await run({ tokenAuthFile: tokens, clientCAFile: ca });
    assert.deepEqual(lines(r), [
      `${tokens}: token file '${tokens}' must have at least 3 columns (token, user name, user uid), found 2`,
      `${ca}: unable to load client CA file "${ca}": data does not contain any valid RSA or ECDSA certificates`,
    ]);
  });

  test('flags: serving, authorization mode, oidc with the file, feature gates', async () => {
    const cfg = authn('v1', HEALTH_ONLY);
    const r = await run(
      { securePort: 0, authorizationModes: ['RBAC,Foo'], authenticationConfig: cfg },
      { otherFlags: ['--oidc-issuer-url'], featureGates: ['AnonymousAuthConfigurableEndpoints=false'] },
    );
    assert.deepEqual(lines(r), [
      'command line: --secure-port: --secure-port 0 must be between 1 and 65535, inclusive. It cannot be turned off with 0',
      'command line: --feature-gates: cannot set feature gate AnonymousAuthConfigurableEndpoints to false, feature is locked to true',
      'command line: --authorization-mode: authorization-mode "Foo" is not a valid mode',
      'command line: --authentication-config: authentication-config file and oidc-* flags are mutually exclusive',
    ]);
  });

  test('doorman limits are errors for doorman serve, warnings for kube-apiserver', async () => {
    const serve = await run({ authorizationModes: ['Node,RBAC,Webhook'] });
    assert.match(lines(serve)[0] ?? '', /authorization-mode "Webhook" is not implemented by doorman yet/);
    const kube = await run({ authorizationModes: ['Node,RBAC,Webhook'] }, { minor: 35 });
    assert.equal(kube.valid, true);
    assert.match(lines(kube, 'warnings')[0] ?? '', /"Webhook" is not implemented by doorman yet .*kube-apiserver accepts it/);
  });

  test('audit: a bad policy, a log directory that cannot be made', async () => {
    const policy = file('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n');
    const a = defaultAuditOptions();
    a.policyFile = policy;
    let r = await run({ audit: a });
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.file, policy);
    assert.match(r.errors[0]?.message ?? '', /^loading audit policy file: /);
    const ro = join(dir, 'readonly');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    const b = defaultAuditOptions();
    b.log.path = join(ro, 'sub', 'audit.log');
    r = await run({ audit: b });
    if (process.getuid?.() !== 0) assert.deepEqual(lines(r), [`command line: --audit-log-path: ensureLogFile: mkdir ${join(ro, 'sub')}: permission denied`]);
  });

  test('a file the container cannot see (manifest): kube-apiserver cannot open it', async () => {
    const r = await run(
      { authenticationConfig: '/etc/kubernetes/authn.yaml' },
      { fromManifest: true, doormanServe: false, source: 'kube-apiserver.yaml', resolve: () => ({ kind: 'invisible', why: '/etc/kubernetes/authn.yaml is on no volume of the kube-apiserver container, so the container cannot see it' }) },
    );
    assert.deepEqual(lines(r), ['/etc/kubernetes/authn.yaml: open /etc/kubernetes/authn.yaml: no such file or directory (--authentication-config: /etc/kubernetes/authn.yaml is on no volume of the kube-apiserver container, so the container cannot see it)']);
    assert.equal(r.errors[0]?.fix, 'add a hostPath volume and a volumeMount for /etc/kubernetes to the kube-apiserver container');
  });
});

describe('releases (--kubernetes-version)', () => {
  test("CEL compiles in the release's environment: two-variable comprehensions are 1.32+", async () => {
    const body = 'jwt:\n- issuer:\n    url: "https://issuer.example"\n    audiences: [k8s]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ""\n    groups:\n      expression: "claims.groups.transformList(i, g, \'sso:\' + g)"\n';
    const cfg = authn('v1beta1', body);
    const r31 = await run({ authenticationConfig: cfg }, { minor: 31 });
    assert.equal(r31.valid, false);
    assert.match(lines(r31)[0] ?? '', /jwt\[0\]\.claimMappings\.groups\.expression: Invalid value: .*compilation failed: ERROR: <input>:1:28: undeclared reference to 'transformList'/);
    assert.equal((await run({ authenticationConfig: cfg }, { minor: 32 })).valid, true);
  });

  test('apiVersion v1 is 1.34+, v1beta1 1.30+, v1alpha1 1.29+', async () => {
    const v1 = authn('v1', HEALTH_ONLY);
    const r = await run({ authenticationConfig: v1 }, { minor: 33 });
    assert.deepEqual(lines(r), [`${v1}: failed to load authentication configuration from file "${v1}": no kind "AuthenticationConfiguration" is registered for version "apiserver.config.k8s.io/v1" in scheme "pkg/runtime/scheme.go:100"`]);
    assert.equal(r.errors[0]?.fix, 'kube-apiserver 1.33 reads up to apiserver.config.k8s.io/v1beta1: use that apiVersion');
    assert.equal((await run({ authenticationConfig: v1 }, { minor: 34 })).valid, true);
    const beta = authn('v1beta1', HEALTH_ONLY);
    assert.equal((await run({ authenticationConfig: beta }, { minor: 33 })).valid, true);
    const r29 = await run({ authenticationConfig: authn('v1beta1', JWT('https://issuer.example')) }, { minor: 29, featureGates: ['StructuredAuthenticationConfiguration=true'] });
    assert.match(lines(r29)[0] ?? '', /no kind "AuthenticationConfiguration" is registered for version "apiserver.config.k8s.io\/v1beta1"/);
  });

  test('the anonymous section is unknown before 1.31, and gated (off) in 1.31', async () => {
    const beta = authn('v1beta1', HEALTH_ONLY);
    const r30 = await run({ authenticationConfig: beta }, { minor: 30 });
    assert.deepEqual(lines(r30), [`${beta}: failed to load authentication configuration from file "${beta}": strict decoding error: unknown field "anonymous"`]);
    assert.match(r30.errors[0]?.fix ?? '', /anonymous needs 1.31/);
    const r31 = await run({ authenticationConfig: beta }, { minor: 31 });
    assert.deepEqual(lines(r31), [`${beta}: anonymous: Forbidden: anonymous is not supported when AnonymousAuthConfigurableEnpoints feature gate is disabled`]);
    assert.match(r31.errors[0]?.fix ?? '', /--feature-gates=AnonymousAuthConfigurableEndpoints=true/);
    assert.equal((await run({ authenticationConfig: beta }, { minor: 31, featureGates: ['AnonymousAuthConfigurableEndpoints=true'] })).valid, true);
    assert.equal((await run({ authenticationConfig: beta }, { minor: 32 })).valid, true, 'beta, on by default');
    const r34 = await run({ authenticationConfig: beta }, { minor: 34, featureGates: ['AnonymousAuthConfigurableEndpoints=false'] });
    assert.deepEqual(lines(r34), ['command line: --feature-gates: cannot set feature gate AnonymousAuthConfigurableEndpoints to false, feature is locked to true']);
    assert.deepEqual(lines(await run({}, { minor: 30, featureGates: ['AnonymousAuthConfigurableEndpoints=true'] })), [
      'command line: --feature-gates: invalid argument "AnonymousAuthConfigurableEndpoints=true" for "--feature-gates" flag: unrecognized feature gate: AnonymousAuthConfigurableEndpoints',
    ]);
  });

  test('the flag/file conflict: --anonynous-auth in 1.31-1.33, --anonymous-auth from 1.34', async () => {
    const beta = authn('v1beta1', HEALTH_ONLY);
    for (const minor of [32, 33]) {
      const r = await run({ authenticationConfig: beta, anonymousAuth: { set: true, value: false } }, { minor });
      assert.deepEqual(lines(r), [`${beta}: anonymous: Forbidden: --anonynous-auth flag cannot be set when anonymous field is configured in authentication configuration file`], `1.${minor}`);
    }
    const r = await run({ authenticationConfig: beta, anonymousAuth: { set: true, value: false } }, { minor: 34 });
    assert.deepEqual(lines(r), [`${beta}: anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file`]);
  });

  test('1.29: the file needs its gate and exactly one JWT authenticator; discoveryURL is unknown', async () => {
    const alpha = authn('v1alpha1', JWT('https://issuer.example'));
    assert.deepEqual(lines(await run({ authenticationConfig: alpha }, { minor: 29 })), ['command line: --authentication-config: set --feature-gates=StructuredAuthenticationConfiguration=true to use authentication-config file']);
    const on = ['StructuredAuthenticationConfiguration=true'];
    assert.equal((await run({ authenticationConfig: alpha }, { minor: 29, featureGates: on })).valid, true);
    const two = authn('v1alpha1', `${JWT('https://a.example')}${JWT('https://b.example').replace('jwt:\n', '')}`);
    assert.deepEqual(lines(await run({ authenticationConfig: two }, { minor: 29, featureGates: on })), [`${two}: jwt: Too many: 2: must have at most 1 item`]);
    assert.equal((await run({ authenticationConfig: two }, { minor: 30 })).valid, true);
    const disc = authn('v1alpha1', JWT('https://issuer.example').replace('    audiences', '    discoveryURL: https://disc.example/.well-known\n    audiences'));
    assert.match(lines(await run({ authenticationConfig: disc }, { minor: 29, featureGates: on }))[0] ?? '', /strict decoding error: unknown field "jwt\[0\].issuer.discoveryURL"$/);
  });

  test('JWT wording: 1.33 says "URL is required", 1.34 says nothing more', async () => {
    const empty = authn('v1beta1', JWT(''));
    assert.deepEqual(lines(await run({ authenticationConfig: empty }, { minor: 33 })), [`${empty}: jwt[0].issuer.url: Required value: URL is required`]);
    const v1 = authn('v1', JWT(''));
    assert.deepEqual(lines(await run({ authenticationConfig: v1 }, { minor: 34 })), [`${v1}: jwt[0].issuer.url: Required value`]);
  });

  test('egressSelectorType: unknown before 1.34, refused when its gate is off', async () => {
    const withEgress = (v: string) => authn(v, JWT('https://issuer.example').replace('    audiences', '    egressSelectorType: cluster\n    audiences'));
    const beta = withEgress('v1beta1');
    assert.match(lines(await run({ authenticationConfig: beta }, { minor: 33 }))[0] ?? '', /unknown field "jwt\[0\].issuer.egressSelectorType"/);
    const v1 = withEgress('v1');
    assert.equal((await run({ authenticationConfig: v1 }, { minor: 34 })).valid, true);
    assert.deepEqual(lines(await run({ authenticationConfig: v1 }, { minor: 34, featureGates: ['StructuredAuthenticationConfigurationEgressSelector=false'] })), [
      `${v1}: jwt[0].issuer.egressSelectorType: Invalid value: "cluster": egress selector is not supported when StructuredAuthenticationConfigurationEgressSelector feature gate is disabled`,
    ]);
  });
});

describe('warnings', () => {
  test('anonymous on every path: from the flag default, from the file, and the file under AlwaysAllow', async () => {
    const flag = await run({});
    assert.match(lines(flag, 'warnings')[0] ?? '', /^command line: --anonymous-auth: anonymous requests are accepted on every path \(--anonymous-auth defaults to true\)/);
    const all = authn('v1', 'anonymous:\n  enabled: true\n');
    const file = await run({ authenticationConfig: all });
    assert.match(lines(file, 'warnings')[0] ?? '', /anonymous: anonymous is enabled with no conditions/);
    const allow = await run({ authenticationConfig: all, authorizationModes: ['AlwaysAllow'] });
    assert.ok(lines(allow, 'warnings').some((l) => /anonymous.enabled: with --authorization-mode=AlwaysAllow every anonymous request is allowed/.test(l)));
    const off = await run({ anonymousAuth: { set: true, value: false } });
    assert.deepEqual(off.warnings, [], 'nothing risky left');
  });

  test('a condition RBAC does not grant to anonymous answers 403', async () => {
    const cfg = authn('v1', 'anonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n  - path: /apis\n');
    const r = await run({ authenticationConfig: cfg });
    assert.equal(r.valid, true);
    const w = r.warnings.find((p) => p.field === 'anonymous.conditions[1].path');
    assert.equal(w?.message, 'GET /apis by system:anonymous would answer 403: anonymous is let in there, but no authorizer allows it');
    assert.ok(!r.warnings.some((p) => p.field === 'anonymous.conditions[0].path'), '/livez is public info');
  });

  test('conditions a probe is unlikely to use', async () => {
    const paths = ['/livez/', '/readyz?verbose', '', 'livez', '/Healthz', '/live*', '/live%7A', '/readyz', '/readyz'];
    const cfg = authn('v1', `anonymous:\n  enabled: true\n  conditions:\n${paths.map((p) => `  - path: "${p}"\n`).join('')}`);
    const r = await run({ authenticationConfig: cfg });
    const byField = new Map(r.warnings.map((p) => [p.field, p.message]));
    assert.match(byField.get('anonymous.conditions[0].path') ?? '', /"\/livez\/": probes request \/livez, and the trailing slash is significant/);
    assert.match(byField.get('anonymous.conditions[1].path') ?? '', /the query string is not part of the path/);
    assert.match(byField.get('anonymous.conditions[2].path') ?? '', /an empty path matches no request/);
    assert.match(byField.get('anonymous.conditions[3].path') ?? '', /request paths start with "\/"/);
    assert.match(byField.get('anonymous.conditions[4].path') ?? '', /paths are case-sensitive: probes request \/healthz/);
    assert.match(byField.get('anonymous.conditions[5].path') ?? '', /"\*" is not a wildcard/);
    assert.match(byField.get('anonymous.conditions[6].path') ?? '', /percent-decoded path/);
    assert.ok(!byField.has('anonymous.conditions[7].path'));
    assert.match(byField.get('anonymous.conditions[8].path') ?? '', /listed more than once/);
  });

  test('RBAC grants to anonymous beyond public information, with how reachable they are', async () => {
    const rbac = file(
      [
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: read-pods}\nrules:\n- {apiGroups: [""], resources: [pods], verbs: [get, list]}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: anon-pods}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-pods}\nsubjects:\n- {kind: Group, name: system:unauthenticated}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: kubeadm:bootstrap-signer-clusterinfo, namespace: kube-public}\nrules:\n- {apiGroups: [""], resources: [configmaps], resourceNames: [cluster-info], verbs: [get]}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: kubeadm:bootstrap-signer-clusterinfo, namespace: kube-public}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: kubeadm:bootstrap-signer-clusterinfo}\nsubjects:\n- {kind: User, name: system:anonymous}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: authed-pods}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-pods}\nsubjects:\n- {kind: Group, name: system:authenticated}',
      ].join('\n---\n'),
    );
    const cfg = authn('v1', HEALTH_ONLY);
    const r = await run({ authenticationConfig: cfg, rbacObjects: [rbac] });
    const rb = r.warnings.filter((p) => p.file === rbac);
    assert.deepEqual(rb.map((p) => `${p.field}: ${p.message}`), [
      'ClusterRoleBinding "anon-pods": grants ClusterRole "read-pods" to Group "system:unauthenticated" beyond public information: [get, list] on pods in API group ""; reachable anonymously only on the condition paths (/livez, /readyz, /healthz)',
      'RoleBinding "kube-public/kubeadm:bootstrap-signer-clusterinfo": grants Role "kubeadm:bootstrap-signer-clusterinfo" to User "system:anonymous" beyond public information: [get] on configmaps named cluster-info in API group ""; reachable anonymously only on the condition paths (/livez, /readyz, /healthz)',
    ]);
    assert.match(rb[1]?.fix ?? '', /kubeadm join --discovery-token/);
    const open = await run({ rbacObjects: [rbac] });
    assert.ok(open.warnings.some((p) => p.field === 'ClusterRoleBinding "anon-pods"' && /reachable by anyone who can connect$/.test(p.message)));
  });

  test('a kubelet probe anonymous cannot pass (manifest probes)', async () => {
    const cfg = authn('v1', 'anonymous:\n  enabled: true\n  conditions:\n  - path: /readyz\n');
    const r = await run(
      { authenticationConfig: cfg },
      {
        source: 'kube-apiserver.yaml',
        probes: [
          { kind: 'livenessProbe', path: '/livez', headers: [] },
          { kind: 'readinessProbe', path: '/readyz?exclude=etcd', headers: [] },
          { kind: 'startupProbe', path: '/livez', headers: [{ name: 'Authorization', value: 'Bearer x' }] },
        ],
      },
    );
    const probes = r.warnings.filter((p) => p.field.includes('Probe'));
    assert.deepEqual(probes.map((p) => `${p.field}: ${p.message}`), ['spec.containers[kube-apiserver].livenessProbe.httpGet.path: the kubelet\'s GET /livez would get 401: the kubelet would keep restarting kube-apiserver']);
    assert.equal(probes[0]?.fix, 'add {path: /livez} to anonymous.conditions');
  });

  test('CIS-style scanners flag the absent --anonymous-auth=false although the file is safer', async () => {
    const cfg = authn('v1', HEALTH_ONLY);
    const r = await run({ authenticationConfig: cfg });
    assert.deepEqual(lines(r, 'warnings'), [
      'command line: --anonymous-auth: CIS-style scanners (kube-bench check 1.2.1, kubescape C-0113) report the absent --anonymous-auth=false as a failure, although the file decides instead: anonymous is limited to "/livez", "/readyz", "/healthz"',
    ]);
    assert.match(r.warnings[0]?.fix ?? '', /do not add --anonymous-auth=false/);
    const off = await run({ authenticationConfig: authn('v1', 'anonymous:\n  enabled: false\n') });
    assert.match(lines(off, 'warnings')[0] ?? '', /anonymous is off everywhere, as the flag would make it/);
  });
});
