/**
 * `doorman serve`: kube-apiserver's flags in, a running HTTPS endpoint out. This file only maps
 * flags to ServeOptions and wires start-up, signals and shutdown; the work is in the library.
 */
import { Command } from 'commander';
import { advertiseAddress, buildRuntime, serverHostPort, validateServingOptions, type ServeOptions } from '../snapshot.js';
import { loadServingCertificate } from '../server/certs.js';
import { startServer } from '../server/server.js';
import { klogLogger, type Logger } from '../server/log.js';
import { addServeFlags, serveOptionsFrom } from './serve-flags.js';

export function serveCommand(): Command {
  const cmd: Command = addServeFlags(
    new Command('serve')
      .description("Serve kube-apiserver's front door over HTTPS: authentication, authorization and the health endpoints.")
      .allowExcessArguments(false),
  );
  cmd.action(async (_flags: unknown, command: Command) => {
    const code = await runServe(command, klogLogger());
    // Exit explicitly: a keep-alive socket or timer must not hold a finished server open.
    process.exit(code);
  });
  return cmd;
}

async function runServe(cmd: Command, logger: Logger): Promise<number> {
  let o: ServeOptions;
  try {
    o = serveOptionsFrom(cmd);
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
  const errs = validateServingOptions(o);
  if (errs.length > 0) {
    for (const e of errs) process.stderr.write(`Error: ${e}\n`);
    return 1;
  }
  // Listen for signals before the port is bound, so a stop that arrives during start-up is not lost.
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    const advertise = advertiseAddress(o);
    const runtime = buildRuntime(o, logger, serverHostPort(o));
    const cert = loadServingCertificate({ certFile: o.tlsCertFile, keyFile: o.tlsPrivateKeyFile, certDir: o.certDir, hosts: [advertise] });
    if (cert.generated) logger.info(`Generated self signed cert (${cert.source})`);
    logger.info(
      `anonymous authentication: ${runtime.anonymous.enabled ? (runtime.anonymous.paths.length > 0 ? `enabled on ${runtime.anonymous.paths.join(', ')}` : 'enabled on every path') : 'disabled'} (from ${runtime.anonymous.source === 'file' ? '--authentication-config' : '--anonymous-auth'})`,
    );
    logger.info(`authorization modes: ${runtime.authorization.modes.join(',')}`);
    running = await startServer({
      snapshot: () => runtime.snapshot,
      cert: cert.cert,
      key: cert.key,
      clientCA: runtime.clientCA,
      bindAddress: o.bindAddress,
      port: o.securePort,
      logger,
      shutdownDelayMs: o.shutdownDelayMs,
      onShutdownStart: () => runtime.shutdown.begin(),
      onDrained: () => {
        runtime.authentication.close();
        return runtime.auditor.shutdown();
      },
    });
    for (const issuer of runtime.authentication.jwt?.issuers ?? []) logger.info(`JWT authenticator for issuer ${JSON.stringify(issuer)}`);
    // Reloads begin once the server answers, as kube-apiserver's watcher starts with the server.
    runtime.authentication.startReloading();
  } catch (e) {
    process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    stopRequested.then((signal) => {
      logger.info(`Received ${signal}, shutting down`);
      running.shutdown().then(
        () => {
          logger.info('[graceful-termination] apiserver is exiting');
          resolve(0);
        },
        (err: unknown) => {
          logger.error(`shutdown failed: ${String(err)}`);
          resolve(1);
        },
      );
    });
  });
}
