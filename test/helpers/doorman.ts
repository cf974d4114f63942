/**
 * Starts a real doorman HTTPS server in-process on an ephemeral loopback port, built from the
 * same ServeOptions the CLI produces, for integration tests.
 */
import { buildRuntime, type Runtime, type ServeOptions } from '../../src/snapshot.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { memoryLogger } from '../../src/server/log.js';
import type { TestPki } from './tls.js';

export interface TestServer {
  readonly port: number;
  readonly ca: string;
  readonly runtime: Runtime;
  readonly running: RunningServer;
  readonly log: string[];
  close(): Promise<void>;
}

export async function startDoorman(pki: TestPki, o: Partial<ServeOptions> = {}): Promise<TestServer> {
  const logger = memoryLogger();
  const options: ServeOptions = {
    securePort: 0,
    bindAddress: '127.0.0.1',
    certDir: pki.dir,
    anonymousAuth: { set: false, value: true },
    rbacObjects: [],
    shutdownDelayMs: 0,
    ...o,
  };
  const runtime = buildRuntime(options, logger, '127.0.0.1:0');
  const running = await startServer({
    snapshot: () => runtime.snapshot,
    cert: pki.serving.certPem,
    key: pki.serving.keyPem,
    clientCA: runtime.clientCA,
    bindAddress: '127.0.0.1',
    port: 0,
    logger,
    shutdownDelayMs: options.shutdownDelayMs,
    onShutdownStart: () => runtime.shutdown.begin(),
    onDrained: async () => runtime.authentication.close(),
  });
  runtime.authentication.startReloading();
  return {
    port: running.address.port,
    ca: pki.serving.certPem,
    runtime,
    running,
    log: logger.lines,
    close: () => running.shutdown(),
  };
}
