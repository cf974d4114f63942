/**
 * Health checks as data and the `/livez`, `/readyz`, `/healthz` handlers built from them, with
 * kube-apiserver's output: `ok`, verbose listings, `exclude` with its warning line, `reason
 * withheld` on the root endpoint and the real reason on a per-check path.
 */
import { goQuote } from '../util/goquote.js';

/** A named check; `check()` returns nothing when healthy, or throws/returns an Error when not. */
export interface HealthCheck {
  readonly name: string;
  check(): void | Error | Promise<void | Error>;
}

/** A plain HTTP answer, independent of any server. */
export interface PlainResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The always-healthy `ping` check. */
export const pingCheck: HealthCheck = { name: 'ping', check: () => undefined };

/** The `log` check: doorman logs synchronously to stderr, so logging never stalls. */
export const logCheck: HealthCheck = { name: 'log', check: () => undefined };

/** The `shutdown` check for `/readyz`: fails once `begin()` was called. */
export function shutdownCheck(): HealthCheck & { begin(): void; readonly shuttingDown: boolean } {
  let down = false;
  return {
    name: 'shutdown',
    check: () => (down ? new Error('process is shutting down') : undefined),
    begin() {
      down = true;
    },
    get shuttingDown() {
      return down;
    },
  };
}

const TEXT = 'text/plain; charset=utf-8';

/** Go's http.Error: text body plus newline, nosniff. */
function httpError(status: number, message: string): PlainResponse {
  return { status, headers: { 'Content-Type': TEXT, 'X-Content-Type-Options': 'nosniff' }, body: message + '\n' };
}

async function run(c: HealthCheck): Promise<Error | undefined> {
  try {
    const r = await c.check();
    return r instanceof Error ? r : undefined;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** One health endpoint (`livez`, `readyz` or `healthz`) and its per-check paths. */
export class HealthEndpoint {
  readonly name: string;
  readonly path: string;
  private readonly checks: readonly HealthCheck[];
  private readonly byPath: ReadonlyMap<string, HealthCheck>;

  constructor(name: string, checks: readonly HealthCheck[]) {
    this.name = name;
    this.path = `/${name}`;
    this.checks = checks.length > 0 ? checks : [pingCheck];
    this.byPath = new Map(this.checks.map((c) => [`${this.path}/${c.name}`, c]));
  }

  /** Every exact path this endpoint serves. */
  paths(): string[] {
    return [this.path, ...this.byPath.keys()];
  }

  /** Answers `path` (the canonical path) or undefined when it is not one of ours. */
  async serve(path: string, query: URLSearchParams): Promise<PlainResponse | undefined> {
    if (path === this.path) return this.root(query);
    const single = this.byPath.get(path);
    if (!single) return undefined;
    const err = await run(single);
    if (err) return httpError(500, `internal server error: ${err.message}`);
    // Go sniffs the content type of "ok"; there is no nosniff header on this path.
    return { status: 200, headers: { 'Content-Type': TEXT }, body: 'ok' };
  }

  private async root(query: URLSearchParams): Promise<PlainResponse> {
    const excluded = new Set(query.getAll('exclude'));
    const unmatched = new Set(excluded);
    let out = '';
    let failed = false;
    for (const c of this.checks) {
      if (excluded.has(c.name)) {
        unmatched.delete(c.name);
        out += `[+]${c.name} excluded: ok\n`;
        continue;
      }
      const err = await run(c);
      if (err) {
        failed = true;
        out += `[-]${c.name} failed: reason withheld\n`;
      } else out += `[+]${c.name} ok\n`;
    }
    if (unmatched.size > 0) {
      out += `warn: some health checks cannot be excluded: no matches for ${[...unmatched].sort().map(goQuote).join(',')}\n`;
    }
    if (failed) return httpError(500, `${out}${this.name} check failed`);
    const headers = { 'Content-Type': TEXT, 'X-Content-Type-Options': 'nosniff' };
    if (query.has('verbose')) return { status: 200, headers, body: `${out}${this.name} check passed\n` };
    return { status: 200, headers, body: 'ok' };
  }
}

/**
 * The three endpoints with kube-apiserver's base checks; `/readyz` also has `readyz` (e.g. the
 * JWT authenticators' discovery) and `shutdown`, last.
 */
export function defaultHealthEndpoints(shutdown: HealthCheck, readyz: readonly HealthCheck[] = []): HealthEndpoint[] {
  return [
    new HealthEndpoint('healthz', [pingCheck, logCheck]),
    new HealthEndpoint('livez', [pingCheck, logCheck]),
    new HealthEndpoint('readyz', [pingCheck, logCheck, ...readyz, shutdown]),
  ];
}
