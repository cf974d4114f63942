/**
 * The webhook backend (`plugin/pkg/audit/webhook`): each batch is POSTed as an audit.k8s.io/v1
 * EventList to the server of the kubeconfig's current context, with its CA, client certificate
 * or token. Like kube-apiserver it retries on any error (network, any non-2xx), up to 5 attempts
 * with exponential backoff from `--audit-webhook-initial-backoff` (factor 1.5, jitter 0.2), each
 * attempt bounded by a 30 s timeout. A batch that still fails is counted and logged.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AuditBackend, PluginErrorHandler } from './backend.js';
import { serializeEventList } from './event.js';
import type { WebhookClientConfig } from './kubeconfig.js';
import { AUDIT_API_VERSION, type AuditEvent } from './types.js';

/** The plugin name in metrics. */
export const WEBHOOK_PLUGIN_NAME = 'webhook';

/** Default first retry delay (`--audit-webhook-initial-backoff`). */
export const DEFAULT_WEBHOOK_INITIAL_BACKOFF_MS = 10_000;

/** `wait.Backoff` as `webhook.DefaultRetryBackoffWithInitialDelay` builds it. */
export interface RetryBackoff {
  readonly initialMs: number;
  readonly factor: number;
  readonly jitter: number;
  /** Attempts in total. */
  readonly steps: number;
}

/** kube's retry schedule for a given initial delay. */
export function defaultRetryBackoff(initialMs: number): RetryBackoff {
  return { initialMs, factor: 1.5, jitter: 0.2, steps: 5 };
}

/** Options for {@link createWebhookBackend}. */
export interface WebhookBackendOptions {
  readonly client: WebhookClientConfig;
  readonly backoff: RetryBackoff;
  readonly apiVersion?: string;
  readonly onError: PluginErrorHandler;
  /** Per-attempt timeout; kube uses 30 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

class WebhookError extends Error {}

/**
 * Creates the webhook backend. `process` resolves once the batch was accepted (2xx) or the
 * retries ran out.
 *
 * @example
 * const webhook = createWebhookBackend({ client: loadWebhookKubeconfig(file), backoff: defaultRetryBackoff(10_000), onError });
 */
export function createWebhookBackend(opts: WebhookBackendOptions): AuditBackend {
  const { client } = opts;
  const apiVersion = opts.apiVersion ?? AUDIT_API_VERSION;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const isHTTPS = client.url.protocol === 'https:';
  const agent = isHTTPS
    ? new https.Agent({
        keepAlive: true,
        ...(client.ca ? { ca: client.ca } : {}),
        ...(client.cert ? { cert: client.cert } : {}),
        ...(client.key ? { key: client.key } : {}),
        ...(client.serverName ? { servername: client.serverName } : {}),
        rejectUnauthorized: !client.insecureSkipTLSVerify,
      })
    : new http.Agent({ keepAlive: true });
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json, */*',
    'User-Agent': opts.userAgent ?? 'doorman',
  };
  if (client.token) headers['Authorization'] = `Bearer ${client.token}`;
  else if (client.username !== undefined || client.password !== undefined) {
    headers['Authorization'] = `Basic ${Buffer.from(`${client.username ?? ''}:${client.password ?? ''}`).toString('base64')}`;
  }
  const inflight = new Set<Promise<boolean>>();
  const sleepers = new Set<NodeJS.Timeout>();
  let closed = false;

  const postOnce = (body: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const mod = isHTTPS ? https : http;
      const req = mod.request(
        client.url,
        { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) }, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve();
            else {
              const text = Buffer.concat(chunks).toString('utf8').trim();
              reject(new WebhookError(text ? `an error on the server (${JSON.stringify(text)}) has prevented the request from succeeding (post ${client.url.href}): status ${code}` : `the server responded with the status code ${code} but did not return more information (post ${client.url.href})`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new WebhookError(`Post ${JSON.stringify(client.url.href)}: context deadline exceeded`)));
      req.on('error', reject);
      req.end(body);
    });

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        sleepers.delete(t);
        resolve();
      }, ms);
      sleepers.add(t);
    });

  const send = async (events: readonly AuditEvent[]): Promise<boolean> => {
    const body = Buffer.from(`${serializeEventList(events, apiVersion)}\n`, 'utf8');
    let delay = opts.backoff.initialMs;
    let lastErr: Error = new Error('webhook call failed');
    for (let attempt = 1; attempt <= opts.backoff.steps; attempt++) {
      try {
        await postOnce(body);
        return true;
      } catch (e) {
        lastErr = e instanceof Error ? e : new Error(String(e));
      }
      if (attempt === opts.backoff.steps) break;
      await sleep(delay + Math.random() * opts.backoff.jitter * delay);
      delay *= opts.backoff.factor;
    }
    opts.onError(WEBHOOK_PLUGIN_NAME, lastErr, events);
    return false;
  };

  return {
    name: WEBHOOK_PLUGIN_NAME,
    process(events) {
      if (closed) {
        opts.onError(WEBHOOK_PLUGIN_NAME, new Error('audit webhook backend shut down'), events);
        return false;
      }
      const p = send(events);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      return p;
    },
    async shutdown() {
      closed = true;
      await Promise.all(inflight);
      for (const t of sleepers) clearTimeout(t);
      agent.destroy();
    },
  };
}
