/** The library surface: the package's exports map resolves, and the engine runs from it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('the exports map serves the root and each sub-path from dist/', () => {
  // Resolved by Node as a consumer would (self-reference by package name).
  const script = `
    const root = await import('doorman');
    const authn = await import('doorman/authn');
    const authz = await import('doorman/authz');
    const audit = await import('doorman/audit');
    const health = await import('doorman/health');
    console.log(JSON.stringify([typeof root.decide, typeof root.buildRuntime, typeof authn.anonymousAuthenticator, typeof authz.buildAuthorizer, typeof audit.parseAuditPolicy, typeof health.HealthEndpoint]));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), ['function', 'function', 'function', 'function', 'function', 'function']);
});

test('decide from the library: anonymous /livez on the hardened example', async () => {
  const { buildRuntime, decide, memoryLogger } = await import('../src/index.js');
  const root = new URL('..', import.meta.url).pathname;
  const rt = buildRuntime(
    {
      securePort: 6443,
      bindAddress: '127.0.0.1',
      certDir: '/nonexistent',
      anonymousAuth: { set: false, value: true },
      authenticationConfig: `${root}examples/hardened/authentication-config.yaml`,
      authorizationModes: ['RBAC'],
      rbacObjects: [],
      shutdownDelayMs: 0,
    },
    memoryLogger(),
    '127.0.0.1:6443',
  );
  const livez = await decide(rt.snapshot, { method: 'GET', target: '/livez', headers: {}, remoteAddress: '10.0.0.1' });
  assert.equal(livez.response.status, 200);
  assert.equal(livez.response.body, 'ok');
  assert.equal(livez.authorization?.reason, 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"');
  const apis = await decide(rt.snapshot, { method: 'GET', target: '/apis', headers: {}, remoteAddress: '10.0.0.1' });
  assert.equal(apis.response.status, 401);
  assert.equal(apis.authorization, undefined);
});
