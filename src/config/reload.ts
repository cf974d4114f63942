/**
 * Live reload of `--authentication-config`, as kube-apiserver's ApplyTo loop does it, faster: the
 * file's folder is watched (so editors' renames and ConfigMap symlink swaps are seen) and the file
 * re-read every second as a safety net. Changed bytes are decoded, validated (a changed
 * `anonymous` section is refused), the new JWT authenticators built and given time to discover
 * their issuers; only then are they put in force in one step. Every refusal keeps the previous
 * configuration and is logged with kube's line and counted in kube's metrics.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { aggregateMessages, fieldErrorString, type FieldError } from '../errors.js';
import type { Logger } from '../server/log.js';
import { goQuote } from '../util/goquote.js';
import {
  parseAuthenticationConfiguration,
  validateAndCompileAuthenticationConfiguration,
  type AnonymousAuthConfig,
  type AuthenticationValidationOptions,
  type CompiledJWTAuthenticator,
} from './authentication.js';
import type { AuthenticationConfigMetrics } from './reload-metrics.js';

/** The reload loop's timing; kube's values in brackets. */
export interface ReloadTiming {
  /** Periodic re-read of the file [1 minute]; doorman: 1 s, so a change applies within 5 s. */
  readonly checkIntervalMs?: number;
  /** How often a new configuration's issuers are polled for readiness [10 s]. */
  readonly healthPollMs?: number;
  /** How long they may take before the change is refused [1 minute]. */
  readonly healthTimeoutMs?: number;
  /** How long replaced authenticators keep running for requests already using them [1 minute]. */
  readonly retireAfterMs?: number;
}

/** What the reloader builds and swaps; the JWT authenticator set fits. */
export interface ReloadableAuthenticators {
  healthCheck(): Error | undefined;
  close(): void;
}

export interface AuthenticationConfigReloaderOptions<T extends ReloadableAuthenticators> extends ReloadTiming {
  readonly path: string;
  /** The bytes in force at start-up. */
  readonly initialData: string;
  /** The start-up `anonymous` section: a reload may not change it. */
  readonly initialAnonymous: AnonymousAuthConfig | undefined;
  readonly logger: Logger;
  readonly metrics: AuthenticationConfigMetrics;
  readonly validation?: AuthenticationValidationOptions;
  /** Builds the new authenticators; may throw kube's construction errors. */
  build(jwt: readonly CompiledJWTAuthenticator[]): T;
  /** Puts `next` in force in one step; returns what it replaced. */
  apply(next: T): T | undefined;
}

/** kube compares the internal struct with reflect.DeepEqual: nil and empty lists differ. */
function anonymousKey(a: AnonymousAuthConfig | undefined): string {
  if (a === undefined) return 'nil';
  return JSON.stringify({ enabled: a.enabled === true, conditions: a.conditions === undefined ? null : a.conditions.map((c) => c.path) });
}

/** os.ReadFile's error in Go's words: the open fails, or (a directory) the read does. */
function goReadFileError(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return `open ${path}: no such file or directory`;
    case 'EACCES':
      return `open ${path}: permission denied`;
    case 'EISDIR':
      return `read ${path}: is a directory`;
    default:
      return e.message;
  }
}

/**
 * The messages an error contributes to an aggregate: utilerrors flattens a nested aggregate (the
 * set's health check of several issuers) into the outer one.
 */
function flattened(e: Error): readonly string[] {
  const nested = (e as { readonly messages?: unknown }).messages;
  return Array.isArray(nested) && nested.every((m) => typeof m === 'string') ? nested : [e.message];
}

const sleep = (ms: number): Promise<void> =>
  new Promise((r) => {
    const t = setTimeout(r, ms);
    t.unref();
  });

/**
 * Watches and reloads one authentication configuration file.
 *
 * @example
 * const r = new AuthenticationConfigReloader({ path, initialData, initialAnonymous, logger, metrics, build, apply });
 * r.start();
 */
export class AuthenticationConfigReloader<T extends ReloadableAuthenticators> {
  private tracked: string;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly retiring = new Set<{ timer: NodeJS.Timeout; set: T }>();
  private readonly pending = new Set<T>();

  constructor(private readonly o: AuthenticationConfigReloaderOptions<T>) {
    this.tracked = o.initialData;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const interval = this.o.checkIntervalMs ?? 1000;
    this.timer = setInterval(() => void this.check(), interval);
    this.timer.unref();
    try {
      // The folder, not the file: atomic renames and `..data` symlink swaps replace the file.
      this.watcher = watch(dirname(this.o.path), { persistent: false }, (_event, name) => {
        if (name !== null && name !== basename(this.o.path) && !String(name).startsWith('..')) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.check(), 50);
        this.debounce.unref();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // No file events here: the periodic check still sees every change.
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
    for (const r of this.retiring) {
      clearTimeout(r.timer);
      r.set.close();
    }
    this.retiring.clear();
    for (const p of this.pending) p.close();
    this.pending.clear();
  }

  /** Runs one check now; concurrent calls share it and a call during a check schedules another. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.once();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private logError(msg: string, err: string): void {
    this.o.logger.error(`${goQuote(msg)} err=${goQuote(err)}`);
  }

  private async once(): Promise<void> {
    if (this.stopped) return;
    let data: string;
    try {
      data = readFileSync(this.o.path, 'utf8');
    } catch (e) {
      this.logError('failed to read authentication config file', goReadFileError(this.o.path, e as NodeJS.ErrnoException));
      this.o.metrics.reloadFailed();
      return; // not tracked: retried on the next check
    }
    if (data === this.tracked) return;

    let config;
    try {
      if (data.length === 0) throw new Error('empty config data');
      config = parseAuthenticationConfiguration(data);
    } catch (e) {
      this.logError('failed to load authentication config', (e as Error).message);
      this.o.metrics.reloadFailed();
      this.tracked = data; // never valid: wait for the bytes to change
      return;
    }

    const checked = validateAndCompileAuthenticationConfiguration(config, this.o.validation);
    const errs: FieldError[] = [...checked.errors];
    if (anonymousKey(config.anonymous) !== anonymousKey(this.o.initialAnonymous)) {
      errs.push({ field: 'anonymous', type: 'Forbidden', detail: 'changed from initial configuration file' });
    }
    if (errs.length > 0) {
      this.logError('failed to validate authentication config', aggregateMessages(errs.map(fieldErrorString)));
      this.o.metrics.reloadFailed();
      this.tracked = data;
      return;
    }

    let next: T;
    try {
      next = this.o.build(checked.jwt);
    } catch (e) {
      this.logError('failed to update authentication config', (e as Error).message);
      this.o.metrics.reloadFailed();
      return;
    }
    this.pending.add(next);
    const deadline = Date.now() + (this.o.healthTimeoutMs ?? 60_000);
    let lastErr = next.healthCheck();
    while (lastErr && Date.now() < deadline && !this.stopped) {
      await sleep(Math.min(this.o.healthPollMs ?? 500, Math.max(0, deadline - Date.now())));
      lastErr = next.healthCheck();
    }
    this.pending.delete(next);
    if (this.stopped) {
      next.close();
      return;
    }
    if (lastErr) {
      next.close();
      this.logError('failed to update authentication config', aggregateMessages([...flattened(lastErr), 'context deadline exceeded']));
      this.o.metrics.reloadFailed();
      return; // not tracked: the issuer may come up, so the next check tries again
    }

    const old = this.o.apply(next);
    if (old) {
      const timer = setTimeout(() => {
        this.retiring.delete(entry);
        old.close();
      }, this.o.retireAfterMs ?? 60_000);
      timer.unref();
      const entry = { set: old, timer };
      this.retiring.add(entry);
    }
    this.tracked = data;
    this.o.logger.info(goQuote('reloaded authentication config'));
    this.o.metrics.reloadSucceeded(data);
  }
}
