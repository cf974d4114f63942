/**
 * /metrics Content-Type negotiation, as prometheus/common expfmt's Negotiate answers kube-apiserver's
 * scrapers (client_golang 1.23 / common 0.66, vendored by kube 1.35).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsContentType } from '../../src/api/metrics.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';

test('no Accept, kubectl get --raw, a browser: the text format with underscore escaping', () => {
  for (const accept of [undefined, '', 'application/json, */*', 'text/html,application/xhtml+xml,*/*;q=0.8', 'text/plain;version=0.0.4']) {
    assert.equal(metricsContentType(accept), `${TEXT}; escaping=underscores`, String(accept));
  }
});

test('a known escaping parameter is echoed; an unknown one is ignored', () => {
  assert.equal(metricsContentType('text/plain;version=0.0.4;escaping=allow-utf-8'), `${TEXT}; escaping=allow-utf-8`);
  assert.equal(metricsContentType('text/plain;escaping=dots'), `${TEXT}; escaping=dots`);
  assert.equal(metricsContentType('text/plain;escaping=values'), `${TEXT}; escaping=values`);
  assert.equal(metricsContentType('text/plain;escaping=bogus'), `${TEXT}; escaping=underscores`);
});

test('clauses are read best quality first, and reading stops at the first text/plain', () => {
  // The OpenMetrics clause (q=0.6) is read before text/plain (q=0.4): its escaping counts.
  assert.equal(
    metricsContentType('text/plain;version=0.0.4;q=0.4,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6'),
    `${TEXT}; escaping=allow-utf-8`,
  );
  // A clause after the chosen text/plain one does not.
  assert.equal(metricsContentType('text/plain;version=0.0.4,application/openmetrics-text;escaping=dots;q=0.5'), `${TEXT}; escaping=underscores`);
  // text/plain with another version is not the text format; reading goes on.
  assert.equal(metricsContentType('text/plain;version=1.0.0;escaping=dots,*/*;q=0.1'), `${TEXT}; escaping=dots`);
});
