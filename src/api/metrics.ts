/**
 * `/metrics`: this server's registry in the Prometheus text format, with the Content-Type that
 * client_golang's promhttp (prometheus/common expfmt `Negotiate`) gives kube-apiserver's answer.
 */
import type { Registry } from 'prom-client';
import type { Handler } from '../engine.js';
import { parseAccept } from './discovery.js';

const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';
const ESCAPING_SCHEMES: ReadonlySet<string> = new Set(['allow-utf-8', 'underscores', 'dots', 'values']);

/**
 * The negotiated Content-Type. Only the text format is served; the escaping term follows the
 * last known `escaping` parameter among the clauses read up to the first text/plain one, as expfmt
 * reads them, and is `underscores` otherwise.
 */
export function metricsContentType(accept: string | undefined): string {
  let escaping = 'underscores';
  for (const c of parseAccept(accept ?? '')) {
    const requested = c.params.get('escaping');
    if (requested !== undefined && ESCAPING_SCHEMES.has(requested)) escaping = requested;
    const version = c.params.get('version');
    if (c.type === 'text' && c.subType === 'plain' && (version === undefined || version === '' || version === '0.0.4')) break;
  }
  return `${TEXT_FORMAT}; escaping=${escaping}`;
}

export function metricsHandler(registry: Registry): Handler {
  return async (ctx) => {
    const accept = ctx.request.headers['accept'];
    const contentType = metricsContentType(Array.isArray(accept) ? accept.join(',') : (accept as string | undefined));
    return { status: 200, headers: { 'Content-Type': contentType, Vary: 'Accept' }, body: await registry.metrics() };
  };
}
