/**
 * Discovery as kube-apiserver serves it: the legacy documents, the aggregated
 * apidiscovery.k8s.io/v2 list chosen by the Accept header (with its ETag and 304), the catalog's
 * discovery-only resources, and which paths get the Status 404/405 versus Go's plain 404.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccept, wantsAggregated, AGGREGATED_CONTENT_TYPE } from '../../src/api/discovery.js';
import { apiRouteFor } from '../../src/api/router.js';
import { apiRuntime, json, message, send } from './helpers.js';

const rt = apiRuntime();
after(() => rt.authentication.close());
const admin = { token: 'admin-token' };
const CLIENT_GO_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

test('/api and /apis, legacy', async () => {
  const api = await send(rt, '/api', { token: 'alice-token' });
  assert.equal(api.response.body, '{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]}\n');
  const apis = json(await send(rt, '/apis', { token: 'alice-token' })) as { kind: string; groups: { name: string; preferredVersion: unknown; versions: unknown[] }[] };
  assert.equal(apis.kind, 'APIGroupList');
  assert.equal(apis.groups[0]?.name, 'apiregistration.k8s.io');
  const authz = apis.groups.find((g) => g.name === 'authorization.k8s.io');
  assert.deepEqual(authz, { name: 'authorization.k8s.io', versions: [{ groupVersion: 'authorization.k8s.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'authorization.k8s.io/v1', version: 'v1' } });
  const hpa = apis.groups.find((g) => g.name === 'autoscaling');
  assert.deepEqual(hpa?.preferredVersion, { groupVersion: 'autoscaling/v2', version: 'v2' });
  assert.equal(hpa?.versions.length, 2);
});

test('APIGroup and APIResourceList documents', async () => {
  const group = await send(rt, '/apis/authentication.k8s.io', admin);
  assert.equal(
    group.response.body,
    '{"kind":"APIGroup","apiVersion":"v1","name":"authentication.k8s.io","versions":[{"groupVersion":"authentication.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"authentication.k8s.io/v1","version":"v1"}}\n',
  );
  const authn = await send(rt, '/apis/authentication.k8s.io/v1', { token: 'alice-token' });
  assert.equal(
    authn.response.body,
    '{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"authentication.k8s.io/v1","resources":[{"name":"selfsubjectreviews","singularName":"selfsubjectreview","namespaced":false,"kind":"SelfSubjectReview","verbs":["create"]},{"name":"tokenreviews","singularName":"tokenreview","namespaced":false,"kind":"TokenReview","verbs":["create"]}]}\n',
  );
  const core = json(await send(rt, '/api/v1', { token: 'alice-token' })) as { apiVersion?: string; groupVersion: string; resources: { name: string }[] };
  assert.equal(core.apiVersion, undefined);
  assert.equal(core.groupVersion, 'v1');
  const pods = core.resources.find((r) => r.name === 'pods');
  assert.deepEqual(pods, { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'], categories: ['all'] });
  const apps = json(await send(rt, '/apis/apps/v1/', { token: 'alice-token' })) as { resources: { name: string; shortNames?: string[] }[] };
  assert.deepEqual(apps.resources.find((r) => r.name === 'deployments')?.shortNames, ['deploy']);
});

test('the aggregated v2 list when Accept asks for it, with its Content-Type, ETag and 304', async () => {
  const d = await send(rt, '/apis', { token: 'alice-token', headers: { accept: CLIENT_GO_ACCEPT } });
  assert.equal(d.response.status, 200);
  assert.equal(d.response.headers['Content-Type'], AGGREGATED_CONTENT_TYPE);
  assert.equal(d.response.headers['Vary'], 'Accept');
  const etag = d.response.headers['ETag'] ?? '';
  assert.match(etag, /^"[0-9A-F]{128}"$/);
  const body = json(d) as { kind: string; apiVersion: string; metadata: unknown; items: { metadata: { name: string }; versions: { version: string; freshness: string; resources: Record<string, unknown>[] }[] }[] };
  assert.equal(body.kind, 'APIGroupDiscoveryList');
  assert.equal(body.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.deepEqual(body.metadata, {});
  const authz = body.items.find((i) => i.metadata.name === 'authorization.k8s.io');
  assert.deepEqual(authz?.versions[0]?.resources[0], {
    resource: 'localsubjectaccessreviews',
    responseKind: { group: '', version: '', kind: 'LocalSubjectAccessReview' },
    scope: 'Namespaced',
    singularResource: 'localsubjectaccessreview',
    verbs: ['create'],
  });
  assert.equal(authz?.versions[0]?.freshness, 'Current');
  const cached = await send(rt, '/apis', { token: 'alice-token', headers: { accept: CLIENT_GO_ACCEPT, 'if-none-match': etag } });
  assert.equal(cached.response.status, 304);
  assert.equal(cached.response.body, '');
  const core = json(await send(rt, '/api', { token: 'alice-token', headers: { accept: CLIENT_GO_ACCEPT } })) as { items: { metadata: unknown; versions: { version: string }[] }[] };
  assert.deepEqual(core.items.map((i) => [i.metadata, i.versions.map((v) => v.version)]), [[{}, ['v1']]]);
});

test('Accept negotiation: only a v2 APIGroupDiscoveryList clause selects the aggregated form', () => {
  assert.equal(wantsAggregated(CLIENT_GO_ACCEPT), true);
  assert.equal(wantsAggregated('application/json'), false);
  assert.equal(wantsAggregated('*/*'), false);
  assert.equal(wantsAggregated(undefined), false);
  assert.equal(wantsAggregated('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), false);
  assert.equal(wantsAggregated('application/json;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'), true);
  assert.deepEqual(parseAccept('text/html, */*;q=0.1, application/*').map((c) => `${c.type}/${c.subType}`), ['text/html', 'application/*', '*/*']);
});

test('Status 404/405 under served API prefixes, the plain 404 elsewhere', async () => {
  const missing = await send(rt, '/api/v1/namespaces/default/pods', admin);
  assert.equal(missing.response.status, 404);
  assert.equal(message(missing), 'the server could not find the requested resource');
  assert.equal((await send(rt, '/api/v2', admin)).response.status, 404);
  assert.equal(message(await send(rt, '/apis/authorization.k8s.io/v2', admin)), 'the server could not find the requested resource');
  const post = await send(rt, '/apis', { ...admin, method: 'POST' });
  assert.equal(post.response.status, 405);
  assert.equal((await send(rt, '/apis/apps/v1', { ...admin, method: 'DELETE' })).response.status, 405);
  const plain = await send(rt, '/apis/example.com/v1', admin);
  assert.equal(plain.response.status, 404);
  assert.equal(plain.response.body, '404 page not found\n');
  assert.equal((await send(rt, '/apiz', admin)).response.body, '404 page not found\n');
});

test('apiRouteFor: the director and router decisions', () => {
  assert.deepEqual(apiRouteFor('/api/'), { kind: 'root', path: '/api' });
  assert.deepEqual(apiRouteFor('/api/v1/'), { kind: 'version', group: '', version: 'v1' });
  assert.deepEqual(apiRouteFor('/apis/apps'), { kind: 'group', group: 'apps' });
  assert.deepEqual(apiRouteFor('/apis/apps/v1/deployments'), { kind: 'none' });
  assert.equal(apiRouteFor('/apis/authorization.k8s.io/v1/namespaces/x/localsubjectaccessreviews')?.kind, 'review');
  assert.deepEqual(apiRouteFor('/apis/authorization.k8s.io/v1/namespaces//localsubjectaccessreviews'), { kind: 'none' });
  assert.equal(apiRouteFor('/apis/nope.io'), undefined);
  assert.equal(apiRouteFor('/apisx'), undefined);
  assert.equal(apiRouteFor('/healthz'), undefined);
});
