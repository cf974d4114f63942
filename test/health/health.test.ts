/** Health endpoints as data: kube-apiserver's healthz_test.go expectations. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthEndpoint, pingCheck, shutdownCheck, defaultHealthEndpoints } from '../../src/health/index.js';

const q = (s: string) => new URLSearchParams(s);
const bad = { name: 'bad', check: () => new Error('this will fail') };

test('root: ok, verbose, exclude, warning', async () => {
  const livez = new HealthEndpoint('livez', [pingCheck]);
  assert.deepEqual(await livez.serve('/livez', q('')), {
    status: 200,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: 'ok',
  });
  assert.equal((await livez.serve('/livez', q('verbose')))?.body, '[+]ping ok\nlivez check passed\n');
  assert.equal((await livez.serve('/livez', q('verbose=false')))?.body, '[+]ping ok\nlivez check passed\n');
  const readyz = new HealthEndpoint('readyz', [pingCheck, bad]);
  assert.equal((await readyz.serve('/readyz', q('verbose=true&exclude=bad')))?.body, '[+]ping ok\n[+]bad excluded: ok\nreadyz check passed\n');
  const healthz = new HealthEndpoint('healthz', [pingCheck]);
  assert.equal(
    (await healthz.serve('/healthz', q('verbose=true&exclude=dontexist&exclude=alsonot&exclude=aaa')))?.body,
    '[+]ping ok\nwarn: some health checks cannot be excluded: no matches for "aaa","alsonot","dontexist"\nhealthz check passed\n',
  );
});

test('root: a failing check is 500 with the reason withheld, verbose or not', async () => {
  const livez = new HealthEndpoint('livez', [pingCheck, bad]);
  for (const query of ['', 'verbose']) {
    const r = await livez.serve('/livez', q(query));
    assert.equal(r?.status, 500);
    assert.equal(r?.body, '[+]ping ok\n[-]bad failed: reason withheld\nlivez check failed\n');
    assert.equal(r?.headers['X-Content-Type-Options'], 'nosniff');
  }
});

test('per-check paths show the real reason; unknown sub-paths are not ours', async () => {
  const livez = new HealthEndpoint('livez', [pingCheck, bad]);
  assert.deepEqual(await livez.serve('/livez/ping', q('')), { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'ok' });
  const r = await livez.serve('/livez/bad', q('exclude=bad'));
  assert.equal(r?.status, 500);
  assert.equal(r?.body, 'internal server error: this will fail\n');
  assert.equal(await livez.serve('/livez/', q('')), undefined);
  assert.equal(await livez.serve('/livez/nope', q('')), undefined);
});

test('a check that throws counts as failed, not as a crash', async () => {
  const h = new HealthEndpoint('healthz', [{ name: 'boom', check: () => { throw new Error('kaput'); } }]);
  assert.equal((await h.serve('/healthz', q('')))?.status, 500);
  assert.equal((await h.serve('/healthz/boom', q('')))?.body, 'internal server error: kaput\n');
});

test('no checks means ping', async () => {
  assert.deepEqual(new HealthEndpoint('livez', []).paths(), ['/livez', '/livez/ping']);
});

test('readyz has shutdown last and fails it once shutdown begins', async () => {
  const sd = shutdownCheck();
  const [, , readyz] = defaultHealthEndpoints(sd);
  assert.ok(readyz);
  assert.equal((await readyz.serve('/readyz', q('verbose')))?.body, '[+]ping ok\n[+]log ok\n[+]shutdown ok\nreadyz check passed\n');
  sd.begin();
  assert.equal((await readyz.serve('/readyz', q('')))?.body, '[+]ping ok\n[+]log ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n');
  assert.equal((await readyz.serve('/readyz/shutdown', q('')))?.body, 'internal server error: process is shutting down\n');
});
