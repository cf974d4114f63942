/**
 * Audit policy: every case of the shared conformance table (levels, omitStages union,
 * omitManagedFields) plus loading and validation with kube-apiserver's messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditPolicyValidationError,
  loadAuditPolicy,
  parseAuditPolicy,
  PolicyEvaluator,
  unionStages,
  type Policy,
  type PolicyAttributes,
  type PolicyRule,
  type Stage,
} from '../../src/audit/index.js';

interface CaseAttrs {
  user: { username: string; groups: string[] } | null;
  verb: string;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  resourceRequest: boolean;
  path: string;
}
interface Fixture {
  attributes: Record<string, CaseAttrs>;
  rules: Record<string, PolicyRule>;
  levelCases: Array<{ request: string; policyOmitStages: Stage[]; rules: string[]; expectedLevel: string; expectedOmitStages: Stage[] }>;
  omitManagedFieldsCases: Array<{ name: string; policy: Policy; request: { verb: string }; expectedOmitManagedFields: boolean }>;
  unionStagesCases: Array<{ a: Stage[] | null; b: Stage[] | null; expected: Stage[] }>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/audit-policy-cases.json', import.meta.url), 'utf8')) as Fixture;

function attrs(a: CaseAttrs): PolicyAttributes {
  return {
    user: a.user ? { name: a.user.username, groups: a.user.groups } : undefined,
    verb: a.verb,
    isResourceRequest: a.resourceRequest,
    path: a.path,
    apiGroup: a.apiGroup ?? '',
    namespace: a.namespace ?? '',
    resource: a.resource ?? '',
    subresource: a.subresource ?? '',
    name: a.name ?? '',
  };
}

test('policy level cases (checker_test.go TestChecker / TestCheckerPolicyOmitStages)', () => {
  assert.equal(fixture.levelCases.length, 102);
  for (const [i, c] of fixture.levelCases.entries()) {
    const rules = c.rules.map((name) => {
      const r = fixture.rules[name];
      assert.ok(r, `rule ${name}`);
      return r;
    });
    const evaluator = new PolicyEvaluator({ rules, omitStages: c.policyOmitStages });
    const a = fixture.attributes[c.request];
    assert.ok(a, `attributes ${c.request}`);
    const got = evaluator.evaluate(attrs(a));
    const label = `case ${i}: ${c.request} with [${c.rules.join(', ')}] omit=[${c.policyOmitStages.join(',')}]`;
    assert.equal(got.level, c.expectedLevel, label);
    assert.deepEqual([...got.omitStages].sort(), [...c.expectedOmitStages].sort(), label);
  }
});

test('omitManagedFields: the rule value wins when set, else the policy value', () => {
  assert.equal(fixture.omitManagedFieldsCases.length, 4);
  for (const c of fixture.omitManagedFieldsCases) {
    const got = new PolicyEvaluator(c.policy).evaluate({
      verb: c.request.verb,
      isResourceRequest: false,
      path: '/',
      apiGroup: '',
      namespace: '',
      resource: '',
      subresource: '',
      name: '',
    });
    assert.equal(got.omitManagedFields, c.expectedOmitManagedFields, c.name);
  }
});

test('unionStages cases', () => {
  assert.equal(fixture.unionStagesCases.length, 7);
  for (const c of fixture.unionStagesCases) {
    assert.deepEqual(unionStages(c.a, c.b).sort(), [...c.expected].sort(), JSON.stringify(c));
  }
});

test('no match gives None with the policy omitStages and omitManagedFields', () => {
  const ev = new PolicyEvaluator({ rules: [{ level: 'Metadata', verbs: ['create'] }], omitStages: ['Panic'], omitManagedFields: true });
  const got = ev.evaluate({ verb: 'get', isResourceRequest: false, path: '/x', apiGroup: '', namespace: '', resource: '', subresource: '', name: '' });
  assert.deepEqual(got, { level: 'None', omitStages: ['Panic'], omitManagedFields: true });
});

const HEADER = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';

test('parse: a valid policy', () => {
  const { policy, warnings } = parseAuditPolicy(
    `${HEADER}omitStages: [RequestReceived]\nomitManagedFields: true\nrules:\n- level: RequestResponse\n  resources:\n  - group: ""\n    resources: ["pods"]\n  omitManagedFields: false\n- level: Metadata\n`,
  );
  assert.deepEqual(warnings, []);
  assert.equal(policy.rules.length, 2);
  assert.equal(policy.rules[0]?.omitManagedFields, false);
  assert.deepEqual(policy.omitStages, ['RequestReceived']);
  assert.ok(Object.isFrozen(policy));
});

test('parse: apiVersion without kind is accepted, as kube defaults the kind', () => {
  assert.equal(parseAuditPolicy('apiVersion: audit.k8s.io/v1\nrules:\n- level: None\n').policy.rules.length, 1);
});

test('parse: group/version/kind errors worded as kube-apiserver', () => {
  const cases: Array<[string, string]> = [
    ['', 'unknown group version field audit.k8s.io/__internal, Kind=Policy in policy'],
    ['kind: Policy\nrules:\n- level: None\n', 'unknown group version field audit.k8s.io/__internal, Kind=Policy in policy'],
    [
      'apiVersion: audit.k8s.io/v1\nkind: policy\nrules:\n- level: None\n',
      'failed decoding: no kind "policy" is registered for version "audit.k8s.io/v1" in scheme "pkg/audit/scheme.go:30"',
    ],
    [
      'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n',
      'failed decoding: no kind "Policy" is registered for version "audit.k8s.io/v1beta1" in scheme "pkg/audit/scheme.go:30"',
    ],
    ['apiVersion: v1\nkind: Policy\n', 'failed decoding: no kind "Policy" is registered for version "v1" in scheme "pkg/audit/scheme.go:30"'],
    ['kind: Foo\n', 'failed decoding: no kind "Foo" is registered for the internal version of group "audit.k8s.io" in scheme "pkg/audit/scheme.go:30"'],
    [`${HEADER}rules: foo\n`, 'failed decoding: json: cannot unmarshal string into Go struct field Policy.rules of type []v1.PolicyRule'],
    [`${HEADER}`, 'loaded illegal policy with 0 rules'],
    [`${HEADER}rules: []\n`, 'loaded illegal policy with 0 rules'],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseAuditPolicy(text), { message }, JSON.stringify(text));
  }
  assert.throws(() => parseAuditPolicy('- a\n- b\n'), { message: /^failed decoding: couldn't get version\/kind; json parse error: json: cannot unmarshal array into Go value of type struct/ });
  assert.throws(() => parseAuditPolicy(`${HEADER}rules:\n- level: None\n  level: Metadata\n`), {
    message: /^failed decoding: yaml: line \d+: key "level" already set in map$/,
  });
});

test('parse: unknown fields fall back to lenient decoding with kube\'s warning; strict option rejects', () => {
  const text = `${HEADER}rules:\n- level: Metadata\n  foo: bar\nextra: 1\n`;
  const { policy, warnings } = parseAuditPolicy(text);
  assert.equal(policy.rules[0]?.level, 'Metadata');
  assert.deepEqual(warnings, [
    'Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown field "rules[0].foo", unknown field "extra"',
  ]);
  assert.throws(() => parseAuditPolicy(text, { strict: true }), {
    message: 'failed decoding: strict decoding error: unknown field "rules[0].foo", unknown field "extra"',
  });
});

test('validation messages and field paths (validation.go)', () => {
  const one = (rule: string): string => {
    try {
      parseAuditPolicy(`${HEADER}rules:\n${rule}`);
    } catch (e) {
      assert.ok(e instanceof AuditPolicyValidationError, String(e));
      return e.message;
    }
    return 'no error';
  };
  assert.equal(one('- verbs: [get]\n'), 'rules[0].level: Required value');
  assert.equal(one('- level: FooBar\n'), 'rules[0].level: Unsupported value: "FooBar": supported values: "None", "Metadata", "Request", "RequestResponse"');
  assert.equal(
    one('- level: Metadata\n  nonResourceURLs: ["logs", "/logs/*.log"]\n'),
    "[rules[0].nonResourceURLs[0]: Invalid value: \"logs\": non-resource URL rules must begin with a '/' character, rules[0].nonResourceURLs[1]: Invalid value: \"/logs/*.log\": non-resource URL wildcards '*' must be the final character of the rule]",
  );
  assert.equal(one('- level: Metadata\n  nonResourceURLs: ["*", "/ok*"]\n'), 'no error');
  assert.equal(
    one('- level: Metadata\n  namespaces: [default]\n  nonResourceURLs: ["/logs*"]\n'),
    'rules[0].nonResourceURLs: Invalid value: []string{"/logs*"}: rules cannot apply to both regular resources and non-resource URLs',
  );
  assert.equal(
    one('- level: Metadata\n  resources:\n  - group: rbac.authorization.k8s.io/v1beta1\n    resources: [roles]\n'),
    "rules[0].resources.group: Invalid value: \"rbac.authorization.k8s.io/v1beta1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  );
  assert.equal(
    one('- level: Metadata\n  resources:\n  - resourceNames: [a, b]\n'),
    'rules[0].resources.resourceNames: Invalid value: []string{"a", "b"}: using resourceNames requires at least one resource',
  );
  assert.equal(
    one('- level: Metadata\n  omitStages: [ResponseComplet]\n'),
    'rules[0].omitStages[0]: Invalid value: "ResponseComplet": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic',
  );
  assert.equal(one('- level: Metadata\n- {}\n'), 'rules[1].level: Required value');
});

test('load: read errors and the "from file" suffix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-policy-'));
  const missing = join(dir, 'missing.yaml');
  assert.throws(() => loadAuditPolicy(missing), { message: `failed to read file path "${missing}": open ${missing}: no such file or directory` });
  assert.throws(() => loadAuditPolicy(''), { message: 'file path not specified' });
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, `${HEADER}rules:\n- level: none\n`);
  assert.throws(() => loadAuditPolicy(bad), {
    message: `rules[0].level: Unsupported value: "none": supported values: "None", "Metadata", "Request", "RequestResponse": from file ${bad}`,
  });
  const good = join(dir, 'good.yaml');
  writeFileSync(good, `${HEADER}rules:\n- level: Metadata\n`);
  assert.equal(loadAuditPolicy(good).policy.rules[0]?.level, 'Metadata');
});
