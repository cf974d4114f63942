/** klog's line header: level, mmdd, UTC time to the microsecond, the id in seven columns, the source. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { klogLogger } from '../../src/server/log.js';

test('log lines have klog\'s header', () => {
  const lines: string[] = [];
  const log = klogLogger((l) => lines.push(l));
  log.info('Serving securely on 127.0.0.1:6443');
  log.warn('w');
  log.error('"Unable to authenticate the request" err="invalid bearer token"');
  const header = /^([IWE])(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6}) ( {0,6}\d{1,7}) doorman\] /;
  assert.deepEqual(lines.map((l) => header.exec(l)?.[1]), ['I', 'W', 'E']);
  for (const l of lines) {
    const m = header.exec(l);
    assert.ok(m, l);
    assert.equal(m[8]?.length, Math.max(7, String(process.pid).length), 'the id is right-aligned in seven columns');
    assert.equal(m[8]?.trim(), String(process.pid));
    assert.ok(l.endsWith('\n') && !l.slice(0, -1).includes('\n'));
  }
  assert.ok(lines[2]?.endsWith('] "Unable to authenticate the request" err="invalid bearer token"\n'));
});
