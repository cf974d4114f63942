/**
 * Runs a real `doorman serve` (in-process, over TLS) with an AuthenticationConfiguration written
 * to a temporary file, an in-memory audit backend to read the authenticated user back from the
 * audit events, and helpers that send a bearer token and collect the server's log lines.
 */
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAuditOptions } from '../../../src/audit/index.js';
import { CaptureBackend } from '../../../src/check/capture.js';
import type { ServeOptions } from '../../../src/snapshot.js';
import { startDoorman, type TestServer } from '../../helpers/doorman.js';
import { httpsRequest, makePki, type TestPki } from '../../helpers/tls.js';

export const HEADER = 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\n';

let pki: TestPki | undefined;
function sharedPki(): TestPki {
  pki ??= makePki();
  return pki;
}

export interface SeenUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  /** The user of the request's audit event, when authentication succeeded. */
  readonly user: SeenUser | undefined;
  /** Server log lines written while the request ran. */
  readonly log: readonly string[];
  /** The `Unable to authenticate the request` reason, if any. */
  readonly reason: string | undefined;
}

export interface JWTServer {
  readonly server: TestServer;
  readonly configPath: string;
  request(token: string | undefined, path?: string, headers?: Record<string, string>): Promise<Answer>;
  /** Replaces the configuration file atomically (write + rename, as editors and kubelet do). */
  writeConfig(body: string): void;
  close(): Promise<void>;
}

/** Fast reload timing for tests (kube: minutes). */
export const FAST = { checkIntervalMs: 200, healthPollMs: 50, healthTimeoutMs: 1500, retireAfterMs: 100, discoveryRetryMs: 100 } as const;

export async function jwtServer(body: string | undefined, o: Partial<ServeOptions> = {}): Promise<JWTServer> {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-jwt-'));
  const configPath = join(dir, 'authn.yaml');
  const writeConfig = (b: string): void => {
    const tmp = join(dir, `.authn-${Date.now()}-${Math.random()}.yaml`);
    writeFileSync(tmp, HEADER + b);
    renameSync(tmp, configPath);
  };
  if (body !== undefined) writeConfig(body);
  const capture = new CaptureBackend();
  const seen: { auditID: string }[] = [];
  const policy = join(dir, 'audit.yaml');
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  const server = await startDoorman(sharedPki(), {
    authorizationModes: ['AlwaysAllow'],
    ...(body !== undefined ? { authenticationConfig: configPath } : {}),
    audit: { ...defaultAuditOptions(), policyFile: policy },
    auditBackend: capture,
    authenticationTiming: FAST,
    ...o,
  });
  return {
    server,
    configPath,
    writeConfig,
    async request(token, path = '/apis', headers = {}) {
      const before = server.log.length;
      const res = await httpsRequest(server.port, server.ca, path, { headers: { ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
      // Requests may run concurrently: this request's events are found by its Audit-Id.
      for (const e of capture.take()) seen.push(e as unknown as { auditID: string });
      const events = seen.filter((e) => e.auditID === res.headers['audit-id']);
      const log = server.log.slice(before);
      const failure = log.find((l) => l.includes('Unable to authenticate the request'));
      const reason = failure ? (JSON.parse(failure.slice(failure.indexOf('err=') + 4)) as string) : undefined;
      const user = res.status === 401 ? undefined : (events[0] as { user?: SeenUser } | undefined)?.user;
      return { status: res.status, body: res.body, user, log, reason };
    },
    close: () => server.close(),
  };
}

/** Polls `fn` until it returns true or `ms` pass. */
export async function eventually(fn: () => boolean | Promise<boolean>, ms = 5000, step = 25): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, step));
  }
  return fn();
}
