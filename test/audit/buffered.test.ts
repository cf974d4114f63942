/**
 * Batch mode: flushing on max size, on max wait and on shutdown; drops when the buffer is full
 * (counted as buffered plugin errors); throttling; truncation in front of a backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import {
  BufferedBackend,
  createAuditMetrics,
  pluginErrorHandler,
  serializeEvent,
  truncateBackend,
  type AuditBackend,
  type AuditEvent,
  type BatchConfig,
} from '../../src/audit/index.js';

function event(i: number): AuditEvent {
  return {
    level: 'Request',
    auditID: String(i),
    stage: 'ResponseComplete',
    requestURI: '/x',
    verb: 'get',
    user: {},
    requestReceivedTimestamp: 1714557600000000000n,
    stageTimestamp: 1714557600000000000n,
  };
}

class Batches implements AuditBackend {
  readonly name = 'batches';
  batches: string[][] = [];
  events: AuditEvent[] = [];
  gate: Promise<void> | null = null;
  shutdownCalled = false;
  async process(events: readonly AuditEvent[]): Promise<boolean> {
    this.batches.push(events.map((e) => e.auditID));
    this.events.push(...events);
    if (this.gate) await this.gate;
    return true;
  }
  async shutdown(): Promise<void> {
    this.shutdownCalled = true;
  }
}

const base: BatchConfig = { bufferSize: 100, maxBatchSize: 3, maxBatchWaitMs: 10_000, throttleEnable: false, throttleQPS: 0, throttleBurst: 0, asyncDelegate: true };

function setup(config: Partial<BatchConfig> = {}) {
  const registry = new Registry();
  const onError = pluginErrorHandler(createAuditMetrics(registry));
  const delegate = new Batches();
  const buffered = new BufferedBackend(delegate, { ...base, ...config }, onError);
  return { registry, delegate, buffered };
}

test('full batches are sent at once; the rest waits; shutdown flushes it', async () => {
  const { delegate, buffered } = setup();
  assert.equal(buffered.name, 'buffered<batches>');
  for (let i = 1; i <= 7; i++) assert.equal(buffered.process([event(i)]), true);
  await sleep(20);
  assert.deepEqual(delegate.batches, [['1', '2', '3'], ['4', '5', '6']]);
  assert.equal(buffered.queued, 1);
  await buffered.shutdown();
  assert.deepEqual(delegate.batches, [['1', '2', '3'], ['4', '5', '6'], ['7']]);
  assert.ok(delegate.shutdownCalled);
});

test('max wait sends a partial batch', async () => {
  const { delegate, buffered } = setup({ maxBatchSize: 100, maxBatchWaitMs: 30 });
  buffered.process([event(1), event(2)]);
  await sleep(10);
  assert.deepEqual(delegate.batches, []);
  await sleep(200);
  assert.deepEqual(delegate.batches, [['1', '2']]);
  buffered.process([event(3)]);
  await sleep(200);
  assert.deepEqual(delegate.batches, [['1', '2'], ['3']]);
  await buffered.shutdown();
});

test('max size 1 sends every event on its own without waiting', async () => {
  const { delegate, buffered } = setup({ maxBatchSize: 1, maxBatchWaitMs: 0, asyncDelegate: false });
  buffered.process([event(1), event(2)]);
  await sleep(10);
  assert.deepEqual(delegate.batches, [['1'], ['2']]);
  await buffered.shutdown();
});

test('a full buffer drops events and counts them; events after shutdown too', async () => {
  const { registry, delegate, buffered } = setup({ bufferSize: 5, maxBatchSize: 2, asyncDelegate: false });
  let open!: () => void;
  delegate.gate = new Promise((r) => (open = r));
  buffered.process([event(1), event(2)]);
  await sleep(10); // the first batch is taken and stuck in the delegate
  assert.equal(buffered.process(Array.from({ length: 8 }, (_, i) => event(i + 3))), true);
  assert.equal(buffered.dropped, 3);
  assert.match(await registry.getSingleMetricAsString('apiserver_audit_error_total'), /apiserver_audit_error_total\{plugin="buffered"\} 3/);
  open();
  await buffered.shutdown();
  assert.deepEqual(delegate.batches.flat(), ['1', '2', '3', '4', '5', '6', '7']);
  buffered.process([event(99)]);
  assert.equal(buffered.dropped, 4);
});

test('the throttle spaces batches out', async () => {
  const { delegate, buffered } = setup({ maxBatchSize: 1, throttleEnable: true, throttleQPS: 20, throttleBurst: 1 });
  const start = performance.now();
  buffered.process([event(1), event(2), event(3)]);
  await buffered.shutdown();
  const elapsed = performance.now() - start;
  assert.equal(delegate.batches.length, 3);
  assert.ok(elapsed >= 90, `elapsed ${elapsed}`);
});

test('truncation drops request/response objects, then events, and splits batches', async () => {
  const registry = new Registry();
  const onError = pluginErrorHandler(createAuditMetrics(registry));
  const delegate = new Batches();
  const small = serializeEvent(event(1)).length + 1;
  const big: AuditEvent = { ...event(2), requestObject: `{"a":"${'x'.repeat(500)}"}` };
  const huge: AuditEvent = { ...event(3), level: 'Metadata', annotations: { a: 'y'.repeat(500) } };
  const t = truncateBackend(delegate, { maxEventSize: small + 60, maxBatchSize: (small + 60) * 2 }, onError);
  await t.process([event(1), big, huge, event(4), event(5)]);
  assert.deepEqual(delegate.batches, [['1', '2'], ['4', '5']]);
  assert.match(await registry.getSingleMetricAsString('apiserver_audit_error_total'), /plugin="truncate"\} 1/);
  const truncated = delegate.events[1];
  assert.equal(truncated?.requestObject, undefined);
  assert.deepEqual(truncated?.annotations, { 'audit.k8s.io/truncated': 'true' });
});
