/**
 * An engine over a real runtime (the same buildRuntime `serve` uses, no listener) for API tests:
 * token users from the shared fixture, RBAC with the bootstrap policy plus the hardened example's
 * pod-reader role, and a helper that sends one request and returns the decision.
 */
import { decide, type Decision, type EngineRequest } from '../../src/engine.js';
import { buildRuntime, type Runtime, type ServeOptions } from '../../src/snapshot.js';
import { memoryLogger } from '../../src/server/log.js';
import { MAX_REQUEST_BODY_BYTES } from '../../src/server/server.js';
import { RequestBodyTooLargeError } from '../../src/errors.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const EXAMPLE_RBAC = new URL('../../examples/hardened/rbac.yaml', import.meta.url).pathname;

export function apiRuntime(o: Partial<ServeOptions> = {}): Runtime {
  return buildRuntime(
    {
      securePort: 6443,
      bindAddress: '127.0.0.1',
      certDir: '/nonexistent',
      anonymousAuth: { set: false, value: true },
      tokenAuthFile: `${FIXTURES}tokens.csv`,
      authorizationModes: ['RBAC'],
      rbacObjects: [EXAMPLE_RBAC],
      shutdownDelayMs: 0,
      ...o,
    },
    memoryLogger(),
    '127.0.0.1:6443',
  );
}

export interface Send {
  readonly method?: string;
  readonly token?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Uint8Array;
}

/** Sends one request through the engine; the body reader enforces the server's 3 MiB limit. */
export function send(rt: Runtime, target: string, s: Send = {}): Promise<Decision> {
  const headers: Record<string, string | string[]> = { ...(s.headers ?? {}) };
  if (s.token) headers['authorization'] = `Bearer ${s.token}`;
  const body = s.body === undefined ? Buffer.alloc(0) : Buffer.from(s.body);
  const req: EngineRequest = {
    method: s.method ?? 'GET',
    target,
    headers,
    remoteAddress: '127.0.0.1',
    body: async () => {
      if (body.length > MAX_REQUEST_BODY_BYTES) throw new RequestBodyTooLargeError(MAX_REQUEST_BODY_BYTES);
      return body;
    },
  };
  return decide(rt.snapshot, req);
}

/** POSTs a JSON body. */
export function post(rt: Runtime, target: string, body: unknown, token: string, headers: Record<string, string> = {}): Promise<Decision> {
  return send(rt, target, { method: 'POST', token, body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

export const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
export const SAR = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
export const SSRR = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';
export const SSR = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
export const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
export const lsar = (ns: string): string => `/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`;

/** The parsed JSON body. */
export function json(d: Decision): Record<string, unknown> {
  return JSON.parse(d.response.body) as Record<string, unknown>;
}

/** A Status body's message. */
export function message(d: Decision): string {
  return (json(d) as { message?: string }).message ?? '';
}
